#pragma once
// Residual networks (He et al., 2015) laid out as torchvision lays them out, with the same parameter and
// buffer names, so a torchvision state dict loads strictly and gives the same logits.
//
// ImageNet-style (resnet18, resnet34, resnet50): 7x7/2 conv1, bn1, ReLU, 3x3/2 max pool, layer1..layer4
// (64, 128, 256, 512 planes), global average pool, fc. Meant for inputs of 64x64 and up (224x224 on
// ImageNet); smaller inputs run but reach layer4 at 1x1. CIFAR-style (resnet20, resnet32, resnet56): 3x3
// conv1 with 16 channels, bn1, ReLU, layer1..layer3 (16, 32, 64 planes, (depth - 2) / 6 basic blocks each),
// global average pool, fc. Meant for 28x28 and 32x32 inputs. Shortcuts that change shape are 1x1-conv +
// BatchNorm projections named `downsample`, as in torchvision.
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"

namespace strata::models {

// conv1 (3x3, stride) - bn1 - ReLU - conv2 (3x3) - bn2, plus the shortcut, then ReLU. Output channels:
// planes.
class BasicBlockImpl : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  // `downsample` maps the input onto the output's shape (null: the identity).
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride = 1,
                 std::shared_ptr<nn::SequentialImpl> downsample = nullptr);
  Tensor forward(const Tensor& x) override;
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  std::shared_ptr<nn::SequentialImpl> downsample;  // null for an identity shortcut

 protected:
  // Module::replace of a child (an int8 layer for conv1, an Identity for a folded bn1): from then on
  // forward runs the children by name (conv1, bn1, relu, conv2, bn2, downsample) instead of the members.
  void replace_child(const std::string& name, std::shared_ptr<nn::Module> module) override;

 private:
  bool replaced_ = false;
};
STRATA_MODULE_HOLDER(BasicBlock);

// conv1 (1x1) - bn1 - ReLU - conv2 (3x3, stride) - bn2 - ReLU - conv3 (1x1) - bn3, plus the shortcut, then
// ReLU (torchvision's ResNet v1.5: the stride sits on the 3x3 conv). Output channels: 4 * planes.
class BottleneckImpl : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride = 1,
                 std::shared_ptr<nn::SequentialImpl> downsample = nullptr);
  Tensor forward(const Tensor& x) override;
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Conv2d conv3;
  nn::BatchNorm2d bn3;
  std::shared_ptr<nn::SequentialImpl> downsample;
};
STRATA_MODULE_HOLDER(Bottleneck);

struct ResNetOptions {
  int64_t num_classes = 1000;
  int64_t in_channels = 3;
  // Starts every residual branch at zero (the last BatchNorm's weight), so each block begins as the identity.
  bool zero_init_residual = false;
};

// The shape of a ResNet: its block, blocks and planes per stage, and its stem.
struct ResNetSpec {
  enum class Block { Basic, Bottleneck };
  enum class Stem { ImageNet, Cifar };  // 7x7/2 conv + max pool, or 3x3 conv
  std::string name;                     // names the model in error messages
  Block block = Block::Basic;
  std::vector<int64_t> blocks;  // per stage (layer1, layer2, ...)
  std::vector<int64_t> planes;  // per stage; the first stage keeps the resolution, the others halve it
  Stem stem = Stem::ImageNet;
};

class ResNetImpl : public nn::Module {
 public:
  ResNetImpl(const ResNetSpec& spec, const ResNetOptions& options = {});
  // [N, in_channels, H, W] -> [N, num_classes] logits.
  Tensor forward(const Tensor& x) override;
  ResNetSpec spec;
  ResNetOptions options;
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  std::shared_ptr<nn::MaxPool2dImpl> maxpool;  // null for the CIFAR stem
  std::vector<nn::Sequential> layers;          // layer1, layer2, ...: Sequentials of blocks
  nn::AdaptiveAvgPool2d avgpool;
  nn::Linear fc;
};
STRATA_MODULE_HOLDER(ResNet);

// ImageNet-style ResNet-18: BasicBlocks [2, 2, 2, 2]; 11,689,512 parameters for 1000 classes.
ResNet resnet18(const ResNetOptions& options = {});
// ImageNet-style ResNet-34: BasicBlocks [3, 4, 6, 3]; 21,797,672 parameters for 1000 classes.
ResNet resnet34(const ResNetOptions& options = {});
// ImageNet-style ResNet-50: Bottlenecks [3, 4, 6, 3]; 25,557,032 parameters for 1000 classes.
ResNet resnet50(const ResNetOptions& options = {});
// CIFAR-style ResNet-20: 3 BasicBlocks per stage; 272,474 parameters for 10 classes.
ResNet resnet20(const ResNetOptions& options = {.num_classes = 10});
// CIFAR-style ResNet-32: 5 BasicBlocks per stage.
ResNet resnet32(const ResNetOptions& options = {.num_classes = 10});
// CIFAR-style ResNet-56: 9 BasicBlocks per stage.
ResNet resnet56(const ResNetOptions& options = {.num_classes = 10});

}  // namespace strata::models
