#include "strata/models/mobilenet_v2.h"

#include <cmath>

#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/dropout.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/pooling.h"
#include "strata/ops/view.h"

namespace strata::models {
namespace {

// torchvision's Conv2dNormActivation with ReLU6: a bias-free convolution with "same"-style padding,
// BatchNorm and ReLU6, as a Sequential (children 0, 1, 2).
nn::Sequential conv_bn_relu6(int64_t in, int64_t out, int64_t kernel_size, int64_t stride = 1,
                             int64_t groups = 1) {
  return nn::Sequential(
      nn::Conv2d(in, out, kernel_size,
                 {.stride = stride, .padding = (kernel_size - 1) / 2, .groups = groups, .bias = false}),
      nn::BatchNorm2d(out), nn::ReLU6());
}

const MobileNetV2Options& checked(const MobileNetV2Options& o) {
  STRATA_CHECK(o.num_classes > 0, "mobilenet_v2: num_classes must be positive, got {}", o.num_classes);
  STRATA_CHECK(o.in_channels > 0, "mobilenet_v2: in_channels must be positive, got {}", o.in_channels);
  STRATA_CHECK(o.width_mult > 0 && std::isfinite(o.width_mult),
               "mobilenet_v2: width_mult must be positive, got {}", o.width_mult);
  STRATA_CHECK(o.round_nearest > 0, "mobilenet_v2: round_nearest must be positive, got {}", o.round_nearest);
  STRATA_CHECK(o.dropout >= 0 && o.dropout <= 1, "mobilenet_v2: dropout must be in [0, 1], got {}",
               o.dropout);
  return o;
}

// Expansion factor t, output channels c, repeats n, first stride s of each stage (the paper's Table 2).
struct Stage {
  int64_t t, c, n, s;
};
constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

int64_t make_divisible(double v, int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  int64_t rounded = std::max<int64_t>(divisor, static_cast<int64_t>(v + d / 2) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * v) rounded += divisor;
  return rounded;
}

InvertedResidualImpl::InvertedResidualImpl(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio)
    : Module("InvertedResidual"), stride(stride), use_res_connect(stride == 1 && inp == oup) {
  STRATA_CHECK(stride == 1 || stride == 2, "InvertedResidual: stride must be 1 or 2, got {}", stride);
  STRATA_CHECK(
      inp > 0 && oup > 0 && expand_ratio > 0,
      "InvertedResidual: channels and expand_ratio must be positive, got inp {}, oup {}, expand_ratio {}",
      inp, oup, expand_ratio);
  const int64_t hidden = inp * expand_ratio;
  if (expand_ratio != 1) conv->push_back(conv_bn_relu6(inp, hidden, 1));
  conv->push_back(conv_bn_relu6(hidden, hidden, 3, stride, hidden));
  conv->push_back(nn::Conv2d(hidden, oup, 1, {.bias = false}));
  conv->push_back(nn::BatchNorm2d(oup));
  register_module("conv", conv.ptr());
}

Tensor InvertedResidualImpl::forward(const Tensor& x) {
  return use_res_connect ? ops::add(x, conv(x)) : conv(x);
}

MobileNetV2Impl::MobileNetV2Impl(const MobileNetV2Options& options)
    : Module("MobileNetV2"),
      options(checked(options)),
      last_channel(make_divisible(1280 * std::max(1.0, options.width_mult), options.round_nearest)) {
  int64_t input_channel = make_divisible(32 * options.width_mult, options.round_nearest);
  features->push_back(conv_bn_relu6(options.in_channels, input_channel, 3, 2));
  for (const Stage& st : kStages) {
    const int64_t output_channel =
        make_divisible(static_cast<double>(st.c) * options.width_mult, options.round_nearest);
    for (int64_t i = 0; i < st.n; ++i) {
      features->push_back(InvertedResidual(input_channel, output_channel, i == 0 ? st.s : 1, st.t));
      input_channel = output_channel;
    }
  }
  features->push_back(conv_bn_relu6(input_channel, last_channel, 1));
  classifier->push_back(nn::Dropout(options.dropout));
  classifier->push_back(nn::Linear(last_channel, options.num_classes));
  register_module("features", features.ptr());
  register_module("classifier", classifier.ptr());

  // torchvision's initialisation: He-normal convolutions (fan_out), unit BatchNorm scales, N(0, 0.01)
  // classifier weights, zero biases.
  for (auto& [name, module] : named_modules()) {
    if (auto* conv = dynamic_cast<nn::Conv2dImpl*>(module.get())) {
      nn::init::kaiming_normal_(conv->weight, 0.0, nn::init::FanMode::FanOut);
    } else if (auto* linear = dynamic_cast<nn::LinearImpl*>(module.get())) {
      nn::init::normal_(linear->weight, 0.0, 0.01);
      nn::init::zeros_(linear->bias);
    }
  }
}

Tensor MobileNetV2Impl::forward(const Tensor& x) {
  STRATA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options.in_channels,
               "mobilenet_v2: expected input of shape [N, {}, H, W], got {}", options.in_channels,
               x.defined() ? x.shape().str() : "an undefined tensor");
  return classifier(ops::flatten(ops::adaptive_avg_pool2d(features(x), 1), 1));
}

MobileNetV2 mobilenet_v2(const MobileNetV2Options& options) { return MobileNetV2(options); }

}  // namespace strata::models
