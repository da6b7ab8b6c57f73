#pragma once
// VGG (Simonyan & Zisserman, 2014) laid out as torchvision lays it out (features.N, avgpool, classifier.N),
// so a torchvision state dict loads strictly and gives the same logits. Five 2x2 max pools: inputs must be at
// least 32x32. For small images, a narrower classifier (classifier_width) and a 1x1 pool (pool_size = 1) cut
// the classifier from 120M parameters to a few hundred thousand.
#include <vector>

#include "strata/nn/container.h"
#include "strata/nn/pooling.h"

namespace strata::models {

struct VGGOptions {
  int64_t num_classes = 1000;
  int64_t in_channels = 3;
  int64_t classifier_width = 4096;  // the two hidden Linear layers' width
  int64_t pool_size = 7;            // the adaptive average pool's output side before the classifier
  double dropout = 0.5;             // after each hidden Linear + ReLU
};

class VGGImpl : public nn::Module {
 public:
  // `config` lists the convolutions' output channels, with 0 for a 2x2 max pool (torchvision's "M").
  VGGImpl(std::string name, const std::vector<int64_t>& config, bool batch_norm,
          const VGGOptions& options = {});
  // [N, in_channels, H, W] (H, W >= min_input_size) -> [N, num_classes] logits.
  Tensor forward(const Tensor& x) override;
  std::string name;
  VGGOptions options;
  nn::Sequential features;  // 3x3 Conv2d, [BatchNorm2d,] ReLU per layer; MaxPool2d between stages
  nn::AdaptiveAvgPool2d avgpool;
  nn::Sequential classifier;   // Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear
  int64_t min_input_size = 1;  // 2 ^ (number of max pools)
};
STRATA_MODULE_HOLDER(VGG);

// VGG-11 (configuration "A"): 132,863,336 parameters with the default options.
VGG vgg11(const VGGOptions& options = {});
// VGG-11 with BatchNorm after each convolution: 132,868,840 parameters with the default options.
VGG vgg11_bn(const VGGOptions& options = {});

}  // namespace strata::models
