#pragma once
// Post-training int8 layers (inference only): QuantizedConv2d and QuantizedLinear run oneDNN's int8
// kernels with s8 per-output-channel symmetric weights and calibrated per-tensor activation scales; Quantize
// and Dequantize convert between f32 and u8 activations.
//
// strata has no int8 dtype: the s8 weights live in a module-owned u8 tensor holding their bit patterns (the
// `weight` buffer), read through weight_int8(), and are saved as safetensors I8.
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/merge.h"
#include "strata/nn/module.h"

namespace strata::kernels::cpu::int8 {
class Int8Layer;
}

namespace strata::quantization {

// How a quantised layer reads and writes activations.
struct QuantOptions {
  float input_scale = 1.f;    // f32 inputs are quantised as round(x / input_scale)
  bool input_signed = false;  // s8 inputs (the calibrated range holds negatives) or u8
  bool relu = false;          // a ReLU fused after the bias
  float output_scale = 0.f;   // > 0: u8 output on this scale (feeds the next int8 layer); 0: f32 output
  bool max_pool = false;      // QuantizedConv2d: a 2x2 stride-2 max pool fused after the ReLU
  bool residual = false;      // QuantizedConv2d: a second f32 input added before the ReLU (forward_add)
};

// The int8 convolution of a float Conv2d (PyTorch's torch.ao.nn.quantized.Conv2d).
class QuantizedConv2dImpl : public nn::Module {
 public:
  // Quantises `conv`'s weights per output channel; `quant` gives the activation scales and fusions.
  QuantizedConv2dImpl(const nn::Conv2dImpl& conv, QuantOptions quant);
  // From stored parts: weight holds s8 bits [out, in / groups, kh, kw] in a u8 tensor.
  QuantizedConv2dImpl(int64_t in_channels, int64_t out_channels, ops::Size2 kernel_size,
                      nn::Conv2dOptions options, Tensor weight, Tensor weight_scale, Tensor bias,
                      QuantOptions quant);
  ~QuantizedConv2dImpl() override;
  // [N, C, H, W] f32 or u8 -> f32 or u8 (channels-last; H and W halved with a fused max pool).
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  // With quant.residual: relu?(conv(input) + residual), residual f32 of the output's shape.
  Tensor forward_add(const Tensor& input, const Tensor& residual);
  // The s8 weights.
  const int8_t* weight_int8() const { return static_cast<const int8_t*>(weight.raw_data()); }
  int64_t in_channels, out_channels;
  ops::Size2 kernel_size;
  nn::Conv2dOptions options;
  QuantOptions quant;
  Tensor weight, weight_scale, bias;  // u8 (s8 bits), f32 [out], f32 [out] or undefined

 private:
  void build();
  std::unique_ptr<kernels::cpu::int8::Int8Layer> kernel_;
};
STRATA_MODULE_HOLDER(QuantizedConv2d);

// A residual block's join, `relu?(bn(conv(x)) + shortcut)`, as one int8 convolution (quant.residual) whose
// output starts as the shortcut (oneDNN's sum post-op): it takes the place of the graph's Add node, reading
// the convolution's input (input `branch`) and the shortcut (the other input).
class QuantizedConv2dAddImpl : public nn::MergeImpl {
 public:
  QuantizedConv2dAddImpl(std::shared_ptr<QuantizedConv2dImpl> conv, int64_t branch);
  using nn::MergeImpl::forward;
  // {convolution input, shortcut} in the order of `branch` -> f32 channels-last.
  Tensor forward(const std::vector<Tensor>& inputs) override;
  std::string extra_repr() const override;
  std::shared_ptr<QuantizedConv2dImpl> conv;
  int64_t branch;
};
STRATA_MODULE_HOLDER(QuantizedConv2dAdd);

// The int8 version of a float Linear.
class QuantizedLinearImpl : public nn::Module {
 public:
  QuantizedLinearImpl(const nn::LinearImpl& linear, QuantOptions quant);
  // From stored parts: weight holds s8 bits [out, in] in a u8 tensor.
  QuantizedLinearImpl(int64_t in_features, int64_t out_features, Tensor weight, Tensor weight_scale,
                      Tensor bias, QuantOptions quant);
  ~QuantizedLinearImpl() override;
  // [N, in] f32 or u8 -> [N, out] f32 or u8.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  // The s8 weights.
  const int8_t* weight_int8() const { return static_cast<const int8_t*>(weight.raw_data()); }
  int64_t in_features, out_features;
  QuantOptions quant;
  Tensor weight, weight_scale, bias;

 private:
  void build();
  std::unique_ptr<kernels::cpu::int8::Int8Layer> kernel_;
};
STRATA_MODULE_HOLDER(QuantizedLinear);

// f32 -> u8 or s8 bits (in a u8 tensor) on a fixed scale (PyTorch's QuantStub after convert).
class QuantizeImpl : public nn::Module {
 public:
  QuantizeImpl(float scale, bool is_signed) : nn::Module("Quantize"), scale(scale), is_signed(is_signed) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  float scale;
  bool is_signed;
};
STRATA_MODULE_HOLDER(Quantize);

// u8 -> f32 on a fixed scale (PyTorch's DeQuantStub); f32 inputs pass through.
class DequantizeImpl : public nn::Module {
 public:
  explicit DequantizeImpl(float scale) : nn::Module("Dequantize"), scale(scale) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  float scale;
};
STRATA_MODULE_HOLDER(Dequantize);

}  // namespace strata::quantization
