#include "strata/nn/conv.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/nn/init.h"

namespace strata::nn {
namespace {

// PyTorch's _ConvNd.reset_parameters: kaiming_uniform(a = sqrt(5)) and a bias bound of 1/sqrt(fan_in),
// fan_in read from the weight (so ConvTranspose2d uses out_channels / groups * kH * kW).
void reset_conv(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::fan_in_and_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

void check_channels(const char* layer, int64_t in_channels, int64_t out_channels, int64_t groups) {
  STRATA_CHECK(in_channels > 0 && out_channels > 0,
               "{}: in_channels and out_channels must be positive, got {} and {}", layer, in_channels,
               out_channels);
  STRATA_CHECK(groups > 0, "{}: groups must be positive, got {}", layer, groups);
  STRATA_CHECK(in_channels % groups == 0, "{}: in_channels ({}) must be divisible by groups ({})", layer,
               in_channels, groups);
  STRATA_CHECK(out_channels % groups == 0, "{}: out_channels ({}) must be divisible by groups ({})", layer,
               out_channels, groups);
}

std::string pair(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }

// PyTorch's repr tail: non-default padding, dilation, groups and bias.
std::string conv_repr_tail(const Padding2& padding, Size2 dilation, int64_t groups, bool bias) {
  std::string s;
  if (padding.same) {
    s += ", padding=same";
  } else if (padding.h != 0 || padding.w != 0) {
    s += ", padding=" + pair({padding.h, padding.w});
  }
  if (dilation != Size2(1)) s += ", dilation=" + pair(dilation);
  if (groups != 1) s += fmt::format(", groups={}", groups);
  if (!bias) s += ", bias=false";
  return s;
}

void check_input(const char* layer, const Tensor& input, int64_t rank, int64_t channels, const char* layout) {
  STRATA_CHECK(input.defined(), "{}: undefined input", layer);
  STRATA_CHECK(input.dim() == rank && input.size(1) == channels, "{}: expected input of shape {}, got {}",
               layer, fmt::format(fmt::runtime(layout), channels), input.shape().str());
}

}  // namespace

Conv2dImpl::Conv2dImpl(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Conv2dOptions options)
    : Module("Conv2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options) {
  check_channels("Conv2d", in_channels, out_channels, options.groups);
  STRATA_CHECK(kernel_size.h > 0 && kernel_size.w > 0, "Conv2d: kernel_size must be positive, got {}",
               pair(kernel_size));
  STRATA_CHECK(!options.padding.same || options.stride == Size2(1),
               "Conv2d: padding=\"same\" is not supported for strided convolutions (stride {})",
               pair(options.stride));
  weight = register_parameter(
      "weight", empty({out_channels, in_channels / options.groups, kernel_size.h, kernel_size.w}));
  if (options.bias) bias = register_parameter("bias", empty({out_channels}));
  reset_parameters();
}

void Conv2dImpl::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& input) {
  check_input("Conv2d", input, 4, in_channels, "[N, {}, H, W]");
  return ops::conv2d(input, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv2dImpl::extra_repr() const {
  return fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels, pair(kernel_size),
                     pair(options.stride)) +
         conv_repr_tail(options.padding, options.dilation, options.groups, bias.defined());
}

Conv1dImpl::Conv1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options)
    : Module("Conv1d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options) {
  check_channels("Conv1d", in_channels, out_channels, options.groups);
  STRATA_CHECK(kernel_size > 0, "Conv1d: kernel_size must be positive, got {}", kernel_size);
  STRATA_CHECK(!options.padding.same || options.stride == 1,
               "Conv1d: padding=\"same\" is not supported for strided convolutions (stride {})",
               options.stride);
  weight = register_parameter("weight", empty({out_channels, in_channels / options.groups, kernel_size}));
  if (options.bias) bias = register_parameter("bias", empty({out_channels}));
  reset_parameters();
}

void Conv1dImpl::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv1dImpl::forward(const Tensor& input) {
  check_input("Conv1d", input, 3, in_channels, "[N, {}, L]");
  return ops::conv1d(input, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

std::string Conv1dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size=({},), stride=({},)", in_channels, out_channels,
                              kernel_size, options.stride);
  if (options.padding.same) {
    s += ", padding=same";
  } else if (options.padding.w != 0) {
    s += fmt::format(", padding=({},)", options.padding.w);
  }
  if (options.dilation != 1) s += fmt::format(", dilation=({},)", options.dilation);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!bias.defined()) s += ", bias=false";
  return s;
}

ConvTranspose2dImpl::ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                                         ConvTranspose2dOptions options)
    : Module("ConvTranspose2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options) {
  check_channels("ConvTranspose2d", in_channels, out_channels, options.groups);
  STRATA_CHECK(kernel_size.h > 0 && kernel_size.w > 0,
               "ConvTranspose2d: kernel_size must be positive, got {}", pair(kernel_size));
  const Size2 s = options.stride;
  const Size2 d = options.dilation;
  const Size2 op = options.output_padding;
  STRATA_CHECK(op.h < std::max(s.h, d.h) && op.w < std::max(s.w, d.w),
               "ConvTranspose2d: output_padding {} must be smaller than either stride {} or dilation {}",
               pair(op), pair(s), pair(d));
  weight = register_parameter(
      "weight", empty({in_channels, out_channels / options.groups, kernel_size.h, kernel_size.w}));
  if (options.bias) bias = register_parameter("bias", empty({out_channels}));
  reset_parameters();
}

void ConvTranspose2dImpl::reset_parameters() { reset_conv(weight, bias); }

Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  check_input("ConvTranspose2d", input, 4, in_channels, "[N, {}, H, W]");
  return ops::conv_transpose2d(input, weight, bias, options.stride, options.padding, options.output_padding,
                               options.groups, options.dilation);
}

std::string ConvTranspose2dImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_channels, out_channels,
                              pair(kernel_size), pair(options.stride));
  if (options.padding != Size2(0)) s += ", padding=" + pair(options.padding);
  if (options.output_padding != Size2(0)) s += ", output_padding=" + pair(options.output_padding);
  if (options.dilation != Size2(1)) s += ", dilation=" + pair(options.dilation);
  if (options.groups != 1) s += fmt::format(", groups={}", options.groups);
  if (!bias.defined()) s += ", bias=false";
  return s;
}

}  // namespace strata::nn
