// VGG-11: output shapes for several inputs and options, torchvision's parameter counts and names, the
// reduced classifier for small images, and errors for bad options and inputs.
#include "strata/models/vgg.h"

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

// A VGG-11 sized for 32x32 images: a 1x1 pool and a 512-wide classifier.
constexpr VGGOptions kSmall = {.num_classes = 10, .classifier_width = 512, .pool_size = 1};

TEST(VGG, OutputShapes) {
  VGG net = vgg11(kSmall);
  EXPECT_EQ(output_shape(*net, {2, 3, 32, 32}), (Shape{2, 10}));
  EXPECT_EQ(output_shape(*net, {1, 3, 64, 40}), (Shape{1, 10}));
  VGG gray = vgg11_bn({.num_classes = 9, .in_channels = 1, .classifier_width = 64, .pool_size = 2});
  EXPECT_EQ(output_shape(*gray, {3, 1, 32, 32}), (Shape{3, 9}));  // a 1x1 map pooled up to 2x2
}

TEST(VGG, ParameterCountsEqualTorchvisions) {
  EXPECT_EQ(vgg11()->num_parameters(), 132'863'336);
  // vgg11_bn adds a scale and a shift per convolution channel: 132,868,840 at full size.
  EXPECT_EQ(vgg11_bn(kSmall)->num_parameters() - vgg11(kSmall)->num_parameters(), 132'868'840 - 132'863'336);
  EXPECT_EQ(vgg11(kSmall)->num_parameters(), 9'750'922);
}

TEST(VGG, LayoutFollowsTorchvision) {
  VGG plain = vgg11(kSmall);
  EXPECT_EQ(plain->features->size(), 21u);  // 8 x (conv, ReLU) + 5 max pools
  const nn::StateDict s = plain->state_dict();
  for (const char* name : {"features.0.weight", "features.0.bias", "features.3.weight", "features.18.weight",
                           "classifier.0.weight", "classifier.3.weight", "classifier.6.bias"})
    EXPECT_TRUE(s.count(name)) << name;
  EXPECT_EQ(s.at("classifier.0.weight").shape(), (Shape{512, 512}));
  VGG bn = vgg11_bn(kSmall);
  EXPECT_EQ(bn->features->size(), 29u);  // 8 x (conv, BN, ReLU) + 5 max pools
  const nn::StateDict t = bn->state_dict();
  for (const char* name : {"features.1.running_var", "features.4.weight", "features.5.num_batches_tracked",
                           "features.26.weight"})
    EXPECT_TRUE(t.count(name)) << name;
  EXPECT_EQ(vgg11()->state_dict().at("classifier.0.weight").shape(), (Shape{4096, 25088}));
}

TEST(VGG, TrainsAStep) {
  VGG net = vgg11_bn({.num_classes = 3, .classifier_width = 16, .pool_size = 1, .dropout = 0.0});
  const Tensor loss = ops::cross_entropy(net(randn({2, 3, 32, 32})), from_vector<int64_t>({0, 2}));
  loss.backward();
  for (const auto& [name, p] : net->named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

TEST(VGG, BadOptionsAndInputsNameTheModel) {
  EXPECT_EQ(error_of([] { vgg11({.num_classes = -2}); }), "vgg11: num_classes must be positive, got -2");
  EXPECT_EQ(error_of([] { vgg11_bn({.classifier_width = 0}); }),
            "vgg11_bn: classifier_width must be positive, got 0");
  EXPECT_EQ(error_of([] { vgg11({.pool_size = 0}); }), "vgg11: pool_size must be positive, got 0");
  EXPECT_EQ(error_of([] { vgg11({.dropout = -0.1}); }), "vgg11: dropout must be in [0, 1], got -0.1");
  EXPECT_THAT(error_of([] {
                VGG(std::make_shared<VGGImpl>("mine", std::vector<int64_t>{0, 0}, false));
              }),
              HasSubstr("mine: the configuration has no convolution"));
  VGG net = vgg11(kSmall);
  EXPECT_EQ(
      error_of([&] {
        net(randn({1, 3, 28, 28}));
      }),
      "vgg11: input of shape [1, 3, 28, 28] is too small: its 2x2 max pools need H and W of at least 32");
  EXPECT_EQ(error_of([&] {
              net(randn({1, 1, 32, 32}));
            }),
            "vgg11: expected input of shape [N, 3, H, W], got [1, 1, 32, 32]");
}

}  // namespace
}  // namespace strata::models
