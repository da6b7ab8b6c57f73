// Quantised layers: int8 convolution and linear on oneDNN, and the Quantize / Dequantize stubs.
#include "strata/quantization/layers.h"

#include <fmt/format.h>

#include <cstring>

#include "kernels/cpu/int8.h"
#include "strata/core/factory.h"

namespace strata::quantization {
namespace {

namespace q8 = kernels::cpu::int8;

q8::Int8Quant kernel_quant(const QuantOptions& q) {
  return {.input_scale = q.input_scale,
          .src_signed = q.input_signed,
          .relu = q.relu,
          .output_scale = q.output_scale,
          .residual = q.residual};
}

std::vector<float> to_vector(const Tensor& t) {
  const float* p = t.data_ptr<float>();
  return std::vector<float>(p, p + t.numel());
}

Tensor from_vector(const std::vector<float>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())});
  std::memcpy(t.raw_data(), v.data(), v.size() * sizeof(float));
  return t;
}

std::string quant_repr(const QuantOptions& q) {
  return fmt::format("input_scale={:.6g}, input={}{}{}", q.input_scale, q.input_signed ? "s8" : "u8",
                     q.relu ? ", relu" : "",
                     q.output_scale > 0 ? fmt::format(", output=u8 (scale={:.6g})", q.output_scale) : "") +
         (q.max_pool ? ", max_pool=2" : "") + (q.residual ? ", residual add" : "");
}

void check_parts(const char* op, const Tensor& weight, const Tensor& scale, const Tensor& bias, int64_t out,
                 const Shape& expected) {
  STRATA_CHECK(
      weight.defined() && weight.dtype() == kUInt8 && weight.shape() == expected,
      "{}: weight must hold s8 bits of shape {}, got {}", op, expected.str(),
      weight.defined() ? fmt::format("{} {}", dtype_name(weight.dtype()), weight.shape().str()) : "none");
  STRATA_CHECK(
      scale.defined() && scale.dtype() == kFloat32 && scale.numel() == out,
      "{}: weight_scale must be f32 [{}], got {}", op, out,
      scale.defined() ? fmt::format("{} {}", dtype_name(scale.dtype()), scale.shape().str()) : "none");
  STRATA_CHECK(!bias.defined() || (bias.dtype() == kFloat32 && bias.numel() == out),
               "{}: bias must be f32 [{}], got {} {}", op, out, dtype_name(bias.dtype()), bias.shape().str());
}

}  // namespace

// ---- QuantizedConv2d ---------------------------------------------------------------------------------

QuantizedConv2dImpl::QuantizedConv2dImpl(const nn::Conv2dImpl& conv, QuantOptions quant)
    : nn::Module("QuantizedConv2d"),
      in_channels(conv.in_channels),
      out_channels(conv.out_channels),
      kernel_size(conv.kernel_size),
      options(conv.options),
      quant(quant) {
  STRATA_CHECK(!conv.options.padding.same, "QuantizedConv2d: padding=\"same\" is not supported; use numbers");
  auto [w, s] = q8::quantize_weight(conv.weight.detach());
  weight = register_buffer("weight", w);
  weight_scale = register_buffer("weight_scale", from_vector(s));
  if (conv.bias.defined()) bias = register_buffer("bias", conv.bias.detach().contiguous());
  build();
}

QuantizedConv2dImpl::QuantizedConv2dImpl(int64_t in_channels, int64_t out_channels, ops::Size2 kernel_size,
                                         nn::Conv2dOptions options, Tensor w, Tensor s, Tensor b,
                                         QuantOptions quant)
    : nn::Module("QuantizedConv2d"),
      in_channels(in_channels),
      out_channels(out_channels),
      kernel_size(kernel_size),
      options(options),
      quant(quant) {
  STRATA_CHECK(options.groups > 0 && in_channels % options.groups == 0,
               "QuantizedConv2d: in_channels {} is not divisible by groups {}", in_channels, options.groups);
  check_parts("QuantizedConv2d", w, s, b, out_channels,
              Shape({out_channels, in_channels / options.groups, kernel_size.h, kernel_size.w}));
  weight = register_buffer("weight", w);
  weight_scale = register_buffer("weight_scale", s);
  if (b.defined()) bias = register_buffer("bias", b);
  build();
}

QuantizedConv2dImpl::~QuantizedConv2dImpl() = default;

void QuantizedConv2dImpl::build() {
  q8::Int8ConvGeometry g;
  g.stride[0] = options.stride.h;
  g.stride[1] = options.stride.w;
  g.pad_begin[0] = g.pad_end[0] = options.padding.h;
  g.pad_begin[1] = g.pad_end[1] = options.padding.w;
  g.dilation[0] = options.dilation.h;
  g.dilation[1] = options.dilation.w;
  g.groups = options.groups;
  g.max_pool = quant.max_pool;
  kernel_ =
      std::make_unique<q8::Int8Layer>(weight, to_vector(weight_scale), bias, kernel_quant(quant), true, g);
}

Tensor QuantizedConv2dImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.dim() == 4 && input.size(1) == in_channels,
               "QuantizedConv2d: expected input [N, {}, H, W], got {}", in_channels, input.shape().str());
  return kernel_->forward(input);
}

Tensor QuantizedConv2dImpl::forward_add(const Tensor& input, const Tensor& residual) {
  STRATA_CHECK(input.dim() == 4 && input.size(1) == in_channels,
               "QuantizedConv2d: expected input [N, {}, H, W], got {}", in_channels, input.shape().str());
  return kernel_->forward(input, residual);
}

QuantizedConv2dAddImpl::QuantizedConv2dAddImpl(std::shared_ptr<QuantizedConv2dImpl> c, int64_t branch)
    : nn::MergeImpl("QuantizedConv2dAdd"), conv(std::move(c)), branch(branch) {
  STRATA_CHECK(conv && conv->quant.residual,
               "QuantizedConv2dAdd: the convolution must have quant.residual set");
  STRATA_CHECK(branch == 0 || branch == 1, "QuantizedConv2dAdd: branch must be 0 or 1, got {}", branch);
  register_module("conv", conv);
}

Tensor QuantizedConv2dAddImpl::forward(const std::vector<Tensor>& inputs) {
  STRATA_CHECK(inputs.size() == 2,
               "QuantizedConv2dAdd: expected 2 inputs (convolution input, shortcut), got {}", inputs.size());
  return conv->forward_add(inputs[static_cast<size_t>(branch)], inputs[static_cast<size_t>(1 - branch)]);
}

std::string QuantizedConv2dAddImpl::extra_repr() const { return fmt::format("branch={}", branch); }

std::string QuantizedConv2dImpl::extra_repr() const {
  return fmt::format("{}, {}, kernel_size=({}, {}), stride=({}, {}), padding=({}, {}), groups={}, {}",
                     in_channels, out_channels, kernel_size.h, kernel_size.w, options.stride.h,
                     options.stride.w, options.padding.h, options.padding.w, options.groups,
                     quant_repr(quant));
}

// ---- QuantizedLinear ---------------------------------------------------------------------------------

QuantizedLinearImpl::QuantizedLinearImpl(const nn::LinearImpl& linear, QuantOptions quant)
    : nn::Module("QuantizedLinear"),
      in_features(linear.weight.size(1)),
      out_features(linear.weight.size(0)),
      quant(quant) {
  auto [w, s] = q8::quantize_weight(linear.weight.detach());
  weight = register_buffer("weight", w);
  weight_scale = register_buffer("weight_scale", from_vector(s));
  if (linear.bias.defined()) bias = register_buffer("bias", linear.bias.detach().contiguous());
  build();
}

QuantizedLinearImpl::QuantizedLinearImpl(int64_t in_features, int64_t out_features, Tensor w, Tensor s,
                                         Tensor b, QuantOptions quant)
    : nn::Module("QuantizedLinear"), in_features(in_features), out_features(out_features), quant(quant) {
  check_parts("QuantizedLinear", w, s, b, out_features, Shape({out_features, in_features}));
  weight = register_buffer("weight", w);
  weight_scale = register_buffer("weight_scale", s);
  if (b.defined()) bias = register_buffer("bias", b);
  build();
}

QuantizedLinearImpl::~QuantizedLinearImpl() = default;

void QuantizedLinearImpl::build() {
  kernel_ =
      std::make_unique<q8::Int8Layer>(weight, to_vector(weight_scale), bias, kernel_quant(quant), false);
}

Tensor QuantizedLinearImpl::forward(const Tensor& input) {
  STRATA_CHECK(input.dim() == 2 && input.size(1) == in_features,
               "QuantizedLinear: expected input [N, {}], got {}", in_features, input.shape().str());
  return kernel_->forward(input);
}

std::string QuantizedLinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, {}", in_features, out_features, quant_repr(quant));
}

// ---- stubs -------------------------------------------------------------------------------------------

Tensor QuantizeImpl::forward(const Tensor& input) { return q8::quantize_per_tensor(input, scale, is_signed); }

std::string QuantizeImpl::extra_repr() const {
  return fmt::format("scale={:.6g}, dtype={}", scale, is_signed ? "s8" : "u8");
}

Tensor DequantizeImpl::forward(const Tensor& input) {
  if (input.dtype() == kFloat32) return input;
  return q8::dequantize_per_tensor(input, scale);
}

std::string DequantizeImpl::extra_repr() const { return fmt::format("scale={:.6g}", scale); }

}  // namespace strata::quantization
