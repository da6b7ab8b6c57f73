// ResNets: output shapes for several inputs and options, torchvision's parameter counts and names, the
// initialisation (zero_init_residual included), and errors for bad options and inputs.
#include "strata/models/resnet.h"

#include <gmock/gmock.h>

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

bool has_entry(const nn::Module& net, const std::string& name) { return net.state_dict().count(name) > 0; }

TEST(ResNet, OutputShapes) {
  ResNet r18 = resnet18();
  EXPECT_EQ(output_shape(*r18, {2, 3, 64, 64}), (Shape{2, 1000}));
  EXPECT_EQ(output_shape(*r18, {1, 3, 96, 80}), (Shape{1, 1000}));  // any size: the pool is adaptive
  ResNet gray = resnet18({.num_classes = 7, .in_channels = 1});
  EXPECT_EQ(output_shape(*gray, {3, 1, 32, 32}), (Shape{3, 7}));
  EXPECT_EQ(output_shape(*resnet50({.num_classes = 5}), {1, 3, 64, 64}), (Shape{1, 5}));
  ResNet r20 = resnet20();
  EXPECT_EQ(output_shape(*r20, {2, 3, 32, 32}), (Shape{2, 10}));
  EXPECT_EQ(output_shape(*resnet20({.num_classes = 10, .in_channels = 1}), {4, 1, 28, 28}), (Shape{4, 10}));
  EXPECT_EQ(output_shape(*resnet32({.num_classes = 100}), {1, 3, 32, 32}), (Shape{1, 100}));
}

TEST(ResNet, ParameterCountsEqualTorchvisions) {
  EXPECT_EQ(resnet18()->num_parameters(), 11'689'512);
  EXPECT_EQ(resnet34()->num_parameters(), 21'797'672);
  EXPECT_EQ(resnet50()->num_parameters(), 25'557'032);
  EXPECT_EQ(resnet18({.num_classes = 10})->num_parameters(), 11'181'642);
  EXPECT_EQ(resnet18({.in_channels = 1})->num_parameters(), 11'683'240);
  // CIFAR-style with projection shortcuts (the fixture script's torchvision BasicBlock network).
  EXPECT_EQ(resnet20()->num_parameters(), 272'474);
  EXPECT_EQ(resnet32()->num_parameters(), 466'906);
  EXPECT_EQ(resnet56()->num_parameters(), 855'770);
}

TEST(ResNet, NamesFollowTorchvision) {
  ResNet r18 = resnet18();
  for (const char* name : {"conv1.weight", "bn1.running_var", "layer1.0.conv1.weight", "layer1.1.bn2.bias",
                           "layer2.0.downsample.0.weight", "layer2.0.downsample.1.num_batches_tracked",
                           "layer4.1.conv2.weight", "fc.weight", "fc.bias"})
    EXPECT_TRUE(has_entry(*r18, name)) << name;
  EXPECT_FALSE(has_entry(*r18, "layer1.0.downsample.0.weight"));  // same shape: identity shortcut
  EXPECT_FALSE(has_entry(*r18, "conv1.bias"));                    // convolutions before BatchNorm: no bias
  ResNet r50 = resnet50();
  for (const char* name : {"layer1.0.conv3.weight", "layer1.0.bn3.weight", "layer1.0.downsample.0.weight"})
    EXPECT_TRUE(has_entry(*r50, name)) << name;
  EXPECT_EQ(r50->layers[0]->size(), 3u);
  EXPECT_EQ(r50->layers[3]->size(), 3u);
  ResNet r20 = resnet20();
  EXPECT_EQ(r20->layers.size(), 3u);
  EXPECT_EQ(r20->conv1->weight.shape(), (Shape{16, 3, 3, 3}));
  EXPECT_FALSE(r20->maxpool);
  EXPECT_TRUE(has_entry(*r20, "layer3.2.bn2.num_batches_tracked"));
  EXPECT_TRUE(has_entry(*r20, "layer2.0.downsample.1.weight"));
  EXPECT_FALSE(has_entry(*r20, "layer4.0.conv1.weight"));
  EXPECT_EQ(r20->fc->weight.shape(), (Shape{10, 64}));
}

TEST(ResNet, InitialisesLikeTorchvision) {
  ResNet r20 = resnet20();
  // He-normal with fan_out: std sqrt(2 / (64 * 9)) for layer3's 3x3 convs.
  const Tensor w = r20->layers[2]->named_children()[1].second->named_parameters()[0].second;
  EXPECT_NEAR(w.pow(2.0).mean().item(), 2.0 / (64 * 9), 0.1 * 2.0 / (64 * 9));
  EXPECT_TRUE(equal(r20->bn1->weight, ones({16})));
  EXPECT_TRUE(equal(r20->bn1->bias, zeros({16})));
}

TEST(ResNet, ZeroInitResidualMakesEveryBlockStartAsTheIdentity) {
  ResNet r20 = resnet20({.num_classes = 10, .zero_init_residual = true});
  for (const auto& [name, m] : r20->named_modules()) {
    if (auto* block = dynamic_cast<BasicBlockImpl*>(m.get())) {
      EXPECT_TRUE(equal(block->bn2->weight, zeros({block->bn2->num_features}))) << name;
    }
  }
  // A block without downsample then computes relu(x).
  auto block = std::dynamic_pointer_cast<BasicBlockImpl>((*r20->layers[0])[1]);
  ASSERT_TRUE(block);
  const Tensor x = randn({2, 16, 8, 8});
  EXPECT_TRUE(equal(block->forward(x), ops::relu(x)));
  ResNet r50 = resnet50({.zero_init_residual = true});
  auto bottleneck = std::dynamic_pointer_cast<BottleneckImpl>((*r50->layers[1])[0]);
  ASSERT_TRUE(bottleneck);
  EXPECT_TRUE(equal(bottleneck->bn3->weight, zeros({512})));
  EXPECT_TRUE(equal(bottleneck->bn2->weight, ones({128})));
}

TEST(ResNet, TrainsAStep) {
  // Gradients reach every parameter through the fused BatchNorm + ReLU and the shortcuts.
  ResNet r20 = resnet20({.num_classes = 4});
  const Tensor loss = ops::cross_entropy(r20(randn({2, 3, 16, 16})), from_vector<int64_t>({1, 3}));
  loss.backward();
  for (const auto& [name, p] : r20->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(p.grad().abs().sum().item(), 0.0) << name;
  }
}

TEST(ResNet, BadOptionsAndInputsNameTheModel) {
  EXPECT_EQ(error_of([] { resnet18({.num_classes = 0}); }), "resnet18: num_classes must be positive, got 0");
  EXPECT_EQ(error_of([] { resnet20({.in_channels = -1}); }),
            "resnet20: in_channels must be positive, got -1");
  EXPECT_THAT(error_of([] {
                ResNet(ResNetSpec{.name = "mine", .blocks = {2}, .planes = {8, 16}});
              }),
              HasSubstr("mine: needs as many stages"));
  ResNet r20 = resnet20();
  EXPECT_EQ(error_of([&] {
              r20(randn({2, 1, 32, 32}));
            }),
            "resnet20: expected input of shape [N, 3, H, W], got [2, 1, 32, 32]");
  EXPECT_EQ(error_of([&] {
              r20(randn({3, 32, 32}));
            }),
            "resnet20: expected input of shape [N, 3, H, W], got [3, 32, 32]");
}

}  // namespace
}  // namespace strata::models
