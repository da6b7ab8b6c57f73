// MobileNetV2: output shapes for several inputs and options, torchvision's parameter counts, channel
// rounding and names, the residual connections, and errors for bad options and inputs.
#include "strata/models/mobilenet_v2.h"

#include <gmock/gmock.h>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::models {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

Shape output_shape(nn::Module& net, const Shape& input) {
  NoGradGuard no_grad;
  net.eval();
  return net.forward(randn(input)).shape();
}

TEST(MobileNetV2, OutputShapes) {
  MobileNetV2 small = mobilenet_v2({.num_classes = 10, .width_mult = 0.25});
  EXPECT_EQ(output_shape(*small, {2, 3, 32, 32}), (Shape{2, 10}));
  EXPECT_EQ(output_shape(*small, {1, 3, 64, 48}), (Shape{1, 10}));
  EXPECT_EQ(output_shape(*small, {1, 3, 7, 7}), (Shape{1, 10}));  // stride-2 convs pad: any size runs
  MobileNetV2 gray = mobilenet_v2({.num_classes = 4, .width_mult = 0.5, .in_channels = 1});
  EXPECT_EQ(output_shape(*gray, {3, 1, 28, 28}), (Shape{3, 4}));
  EXPECT_EQ(output_shape(*mobilenet_v2(), {1, 3, 64, 64}), (Shape{1, 1000}));
}

TEST(MobileNetV2, ParameterCountsEqualTorchvisions) {
  EXPECT_EQ(mobilenet_v2()->num_parameters(), 3'504'872);
  EXPECT_EQ(mobilenet_v2({.num_classes = 10, .width_mult = 0.25})->num_parameters(), 250'922);
  EXPECT_EQ(mobilenet_v2({.num_classes = 10, .width_mult = 0.5, .round_nearest = 4})->num_parameters(),
            697'258);
}

TEST(MobileNetV2, RoundsChannelsLikeTorchvision) {
  EXPECT_EQ(make_divisible(32 * 0.25, 8), 8);
  EXPECT_EQ(make_divisible(16 * 0.25, 8), 8);   // at least the divisor
  EXPECT_EQ(make_divisible(24 * 0.75, 8), 24);  // 18 rounds to 16, more than 10% down: one step up
  EXPECT_EQ(make_divisible(1280 * 1.4, 8), 1792);
  EXPECT_EQ(make_divisible(20, 8), 24);  // halves round up
  EXPECT_EQ(make_divisible(10, 1), 10);
  MobileNetV2 net = mobilenet_v2({.width_mult = 1.4});
  EXPECT_EQ(net->last_channel, 1792);
}

TEST(MobileNetV2, LayoutFollowsTorchvision) {
  MobileNetV2 net = mobilenet_v2();
  EXPECT_EQ(net->features->size(), 19u);  // stem, 17 inverted residuals, head
  const nn::StateDict state = net->state_dict();
  for (const char* name :
       {"features.0.0.weight", "features.0.1.running_mean", "features.1.conv.0.0.weight",
        "features.1.conv.1.weight", "features.1.conv.2.bias", "features.2.conv.0.0.weight",
        "features.2.conv.1.0.weight", "features.2.conv.2.weight", "features.2.conv.3.num_batches_tracked",
        "features.18.0.weight", "features.18.1.weight", "classifier.1.weight", "classifier.1.bias"})
    EXPECT_TRUE(state.count(name)) << name;
  // The depthwise convolution: one input channel per group.
  EXPECT_EQ(state.at("features.2.conv.1.0.weight").shape(), (Shape{96, 1, 3, 3}));
  EXPECT_EQ(state.at("classifier.1.weight").shape(), (Shape{1000, 1280}));
  // Residual connections where the stride is 1 and the channels stay.
  auto block = [&](size_t i) { return std::dynamic_pointer_cast<InvertedResidualImpl>((*net->features)[i]); };
  EXPECT_FALSE(block(1)->use_res_connect);  // 32 -> 16
  EXPECT_FALSE(block(2)->use_res_connect);  // stride 2
  EXPECT_TRUE(block(3)->use_res_connect);
  EXPECT_EQ(block(2)->stride, 2);
}

TEST(MobileNetV2, InvertedResidualAddsItsInput) {
  InvertedResidual block(8, 8, 1, 6);
  block->eval();
  const Tensor x = randn({2, 8, 5, 5});
  EXPECT_TRUE(allclose(block(x), ops::add(x, block->conv(x)), 1e-6, 1e-6));
  InvertedResidual down(8, 16, 2, 6);
  EXPECT_EQ(down(x).shape(), (Shape{2, 16, 3, 3}));
}

TEST(MobileNetV2, DropoutOnlyInTraining) {
  MobileNetV2 net = mobilenet_v2({.num_classes = 3, .width_mult = 0.25, .dropout = 0.5});
  const Tensor x = randn({2, 3, 32, 32});
  net->eval();
  EXPECT_TRUE(equal(net(x), net(x)));
  auto* dropout = dynamic_cast<nn::DropoutImpl*>((*net->classifier)[0].get());
  ASSERT_NE(dropout, nullptr);
  EXPECT_EQ(dropout->p, 0.5);
}

TEST(MobileNetV2, BadOptionsAndInputsNameTheModel) {
  EXPECT_EQ(error_of([] { mobilenet_v2({.num_classes = 0}); }),
            "mobilenet_v2: num_classes must be positive, got 0");
  EXPECT_EQ(error_of([] { mobilenet_v2({.width_mult = 0}); }),
            "mobilenet_v2: width_mult must be positive, got 0");
  EXPECT_EQ(error_of([] { mobilenet_v2({.in_channels = 0}); }),
            "mobilenet_v2: in_channels must be positive, got 0");
  EXPECT_EQ(error_of([] { mobilenet_v2({.dropout = 1.5}); }),
            "mobilenet_v2: dropout must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of([] { mobilenet_v2({.round_nearest = 0}); }),
            "mobilenet_v2: round_nearest must be positive, got 0");
  EXPECT_THAT(error_of([] { InvertedResidual(8, 8, 3, 6); }), HasSubstr("stride must be 1 or 2, got 3"));
  MobileNetV2 net = mobilenet_v2({.width_mult = 0.25});
  EXPECT_EQ(error_of([&] {
              net(randn({1, 1, 32, 32}));
            }),
            "mobilenet_v2: expected input of shape [N, 3, H, W], got [1, 1, 32, 32]");
}

}  // namespace
}  // namespace strata::models
