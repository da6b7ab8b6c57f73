#include "strata/nn/pooling.h"

namespace strata::nn {
namespace {

// "2" for a square size, "(2, 3)" otherwise (as PyTorch prints an int or a tuple).
std::string size_str(Size2 s) {
  return s.h == s.w ? fmt::format("{}", s.h) : fmt::format("({}, {})", s.h, s.w);
}

void check_input(const char* layer, const Tensor& input) {
  STRATA_CHECK(input.defined(), "{}: undefined input", layer);
  STRATA_CHECK(input.dim() == 4, "{}: expected input of shape [N, C, H, W], got {}", layer,
               input.shape().str());
}

void check_kernel(const char* layer, Size2 kernel_size, const PoolOptions& options) {
  STRATA_CHECK(kernel_size.h > 0 && kernel_size.w > 0, "{}: kernel_size must be positive, got {}", layer,
               size_str(kernel_size));
  STRATA_CHECK(options.stride.h >= 0 && options.stride.w >= 0, "{}: stride must be positive, got {}", layer,
               size_str(options.stride));
  STRATA_CHECK(options.padding.h >= 0 && options.padding.w >= 0 && options.padding.h <= kernel_size.h / 2 &&
                   options.padding.w <= kernel_size.w / 2,
               "{}: padding {} should be non-negative and at most half of kernel_size {}", layer,
               size_str(options.padding), size_str(kernel_size));
}

Size2 effective_stride(Size2 kernel_size, const PoolOptions& options) {
  return options.stride == Size2(0) ? kernel_size : options.stride;
}

void check_kernel_1d(const char* layer, int64_t kernel_size, const Pool1dOptions& options) {
  STRATA_CHECK(kernel_size > 0, "{}: kernel_size must be positive, got {}", layer, kernel_size);
  STRATA_CHECK(options.stride >= 0, "{}: stride must be positive, got {}", layer, options.stride);
  STRATA_CHECK(options.padding >= 0 && options.padding <= kernel_size / 2,
               "{}: padding {} should be non-negative and at most half of kernel_size {}", layer,
               options.padding, kernel_size);
}

int64_t effective_stride_1d(int64_t kernel_size, const Pool1dOptions& options) {
  return options.stride == 0 ? kernel_size : options.stride;
}

}  // namespace

MaxPool2dImpl::MaxPool2dImpl(Size2 kernel_size, PoolOptions options)
    : Module("MaxPool2d"), kernel_size(kernel_size), options(options) {
  check_kernel("MaxPool2d", kernel_size, options);
}

Tensor MaxPool2dImpl::forward(const Tensor& input) {
  check_input("MaxPool2d", input);
  return ops::max_pool2d(input, kernel_size, options.stride, options.padding, options.ceil_mode);
}

std::string MaxPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode={}", size_str(kernel_size),
                     size_str(effective_stride(kernel_size, options)), size_str(options.padding),
                     options.ceil_mode);
}

AvgPool2dImpl::AvgPool2dImpl(Size2 kernel_size, PoolOptions options)
    : Module("AvgPool2d"), kernel_size(kernel_size), options(options) {
  check_kernel("AvgPool2d", kernel_size, options);
}

Tensor AvgPool2dImpl::forward(const Tensor& input) {
  check_input("AvgPool2d", input);
  return ops::avg_pool2d(input, kernel_size, options.stride, options.padding, options.ceil_mode,
                         options.count_include_pad);
}

std::string AvgPool2dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, ceil_mode={}, count_include_pad={}",
                     size_str(kernel_size), size_str(effective_stride(kernel_size, options)),
                     size_str(options.padding), options.ceil_mode, options.count_include_pad);
}

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(Size2 output_size)
    : Module("AdaptiveAvgPool2d"), output_size(output_size) {
  STRATA_CHECK(output_size.h > 0 && output_size.w > 0,
               "AdaptiveAvgPool2d: output_size must be positive, got {}", size_str(output_size));
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  check_input("AdaptiveAvgPool2d", input);
  return ops::adaptive_avg_pool2d(input, output_size);
}

std::string AdaptiveAvgPool2dImpl::extra_repr() const { return "output_size=" + size_str(output_size); }

MaxPool1dImpl::MaxPool1dImpl(int64_t kernel_size, Pool1dOptions options)
    : Module("MaxPool1d"), kernel_size(kernel_size), options(options) {
  check_kernel_1d("MaxPool1d", kernel_size, options);
}

Tensor MaxPool1dImpl::forward(const Tensor& input) {
  return ops::max_pool1d(input, kernel_size, options.stride, options.padding, options.ceil_mode);
}

std::string MaxPool1dImpl::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation=1, ceil_mode={}", kernel_size,
                     effective_stride_1d(kernel_size, options), options.padding, options.ceil_mode);
}

AvgPool1dImpl::AvgPool1dImpl(int64_t kernel_size, Pool1dOptions options)
    : Module("AvgPool1d"), kernel_size(kernel_size), options(options) {
  check_kernel_1d("AvgPool1d", kernel_size, options);
}

Tensor AvgPool1dImpl::forward(const Tensor& input) {
  return ops::avg_pool1d(input, kernel_size, options.stride, options.padding, options.ceil_mode,
                         options.count_include_pad);
}

// PyTorch keeps AvgPool1d's sizes as 1-tuples: "kernel_size=(3,)".
std::string AvgPool1dImpl::extra_repr() const {
  return fmt::format("kernel_size=({},), stride=({},), padding=({},), ceil_mode={}, count_include_pad={}",
                     kernel_size, effective_stride_1d(kernel_size, options), options.padding,
                     options.ceil_mode, options.count_include_pad);
}

}  // namespace strata::nn
