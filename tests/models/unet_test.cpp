// U-Net: output shape, the PyTorch-style parameter names, skip connections carrying gradients to every
// level, and clear errors for inputs it cannot take.
#include "strata/models/unet.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "strata/ops/reduction.h"

namespace strata::models {
namespace {

TEST(UNet, KeepsTheInputSize) {
  manual_seed(0);
  UNet net(UNetOptions{.in_channels = 1, .num_classes = 5, .base_channels = 4, .depth = 3});
  const Tensor y = net->forward(randn({2, 1, 32, 24}));
  EXPECT_EQ(y.shape(), Shape({2, 5, 32, 24}));
}

TEST(UNet, ParameterNames) {
  UNet net(UNetOptions{.in_channels = 3, .num_classes = 2, .base_channels = 4, .depth = 2});
  const auto named = net->named_parameters();
  std::vector<std::string> names;
  for (const auto& [name, p] : named) names.push_back(name);
  for (const char* want :
       {"inc.0.weight", "inc.1.weight", "inc.3.weight", "downs.0.1.0.weight", "downs.1.1.3.weight",
        "ups.0.up.weight", "ups.0.up.bias", "ups.1.conv.0.weight", "outc.weight", "outc.bias"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  EXPECT_EQ(net->named_parameters()[0].second.size(1), 3);  // inc.0 reads the input channels
}

TEST(UNet, EveryParameterGetsAGradient) {
  manual_seed(1);
  UNet net(UNetOptions{.in_channels = 1, .num_classes = 3, .base_channels = 2, .depth = 2});
  ops::sum(net->forward(randn({1, 1, 8, 8}))).backward();
  for (const auto& [name, p] : net->named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

TEST(UNet, RejectsBadInputAndOptions) {
  UNet net(UNetOptions{.in_channels = 1, .num_classes = 2, .base_channels = 2, .depth = 3});
  try {
    net->forward(zeros({1, 1, 12, 16}));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multiples of 8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(net->forward(zeros({1, 2, 16, 16})), Error);
  EXPECT_THROW(UNet(UNetOptions{.depth = 0}), Error);
}

}  // namespace
}  // namespace strata::models
