#pragma once
// MobileNetV2 (Sandler et al., 2018) laid out as torchvision lays it out (features.N..., classifier.1), so a
// torchvision state dict loads strictly and gives the same logits. Inverted residual blocks: a 1x1 expansion,
// a 3x3 depthwise convolution (groups = channels) and a linear 1x1 projection, each followed by BatchNorm,
// the first two by ReLU6. Five stride-2 stages: suits 32x32 inputs and up (224x224 on ImageNet).
#include "strata/nn/container.h"

namespace strata::models {

// The inverted residual block: `conv` is [1x1 expand (when expand_ratio != 1)], 3x3 depthwise (stride),
// 1x1 project, BatchNorm; the input is added back when stride == 1 and inp == oup.
class InvertedResidualImpl : public nn::Module {
 public:
  InvertedResidualImpl(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio);
  Tensor forward(const Tensor& x) override;
  int64_t stride;
  bool use_res_connect;
  nn::Sequential conv;
};
STRATA_MODULE_HOLDER(InvertedResidual);

struct MobileNetV2Options {
  int64_t num_classes = 1000;
  double width_mult = 1.0;  // scales every layer's channels
  int64_t in_channels = 3;
  double dropout = 0.2;       // before the classifier's Linear
  int64_t round_nearest = 8;  // channel counts are rounded to multiples of this (1: no rounding)
};

class MobileNetV2Impl : public nn::Module {
 public:
  explicit MobileNetV2Impl(const MobileNetV2Options& options = {});
  // [N, in_channels, H, W] -> [N, num_classes] logits.
  Tensor forward(const Tensor& x) override;
  MobileNetV2Options options;
  int64_t last_channel;
  nn::Sequential features;    // stem, 17 inverted residual blocks, 1x1 head (Conv-BN-ReLU6 Sequentials)
  nn::Sequential classifier;  // Dropout, Linear
};
STRATA_MODULE_HOLDER(MobileNetV2);

// MobileNetV2; 3,504,872 parameters with the default options (1000 classes, width 1).
MobileNetV2 mobilenet_v2(const MobileNetV2Options& options = {});

// torchvision's _make_divisible: v rounded to the nearest multiple of divisor (at least divisor), and never
// more than 10% below v.
int64_t make_divisible(double v, int64_t divisor);

}  // namespace strata::models
