#pragma once
// int8 inference kernels on oneDNN 2.6: convolution and matrix product with s8 per-output-channel weights,
// u8 or s8 activations, output scales folded into the primitive, a fused ReLU and the output either f32 or
// requantised to u8 for the next int8 layer (no f32 round trip between them).
//
// The arithmetic, with x_q = clamp(round(x / s_in)), w_q[oc] = round(w[oc] / s_w[oc]) and acc the s32
// sum of x_q * w_q:
//   y[oc] = acc * s_in * s_w[oc] + bias[oc]          (then ReLU when fused)
//   f32 output: y;   u8 output: clamp(round(y / s_out), 0, 255)
// oneDNN 2.x adds the bias before the output scale, so the primitive receives bias / (s_in * s_w) and the
// scales s_in * s_w / s_out (s_out = 1 for f32 outputs).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::kernels::cpu::int8 {

// How an int8 layer reads its input: f32 inputs are quantised to `src_signed` ? s8 : u8 with `input_scale`;
// u8 inputs (an earlier int8 layer's output) are taken as they are, already on `input_scale`.
struct Int8Quant {
  float input_scale = 1.f;
  bool src_signed = false;   // s8 activations (inputs with negative values) or u8
  bool relu = false;         // ReLU fused after the bias
  float output_scale = 0.f;  // > 0: requantise the output to u8 on this scale; 0: f32 output
  bool residual = false;     // convolutions: y = relu?(conv + r), r a second f32 input (a residual add)
};

// Geometry of an int8 2-D convolution (PyTorch's Conv2d arguments).
struct Int8ConvGeometry {
  int64_t stride[2] = {1, 1};
  int64_t pad_begin[2] = {0, 0};
  int64_t pad_end[2] = {0, 0};
  int64_t dilation[2] = {1, 1};
  int64_t groups = 1;
  // A 2x2 stride-2 max pool fused after the ReLU (stride 1, dilation 1, groups 1, even symmetric padding,
  // even input height and width). The convolution then runs as one int8 convolution on the input's 2x2
  // blocks (space-to-depth: 4x the input channels, kernel k / 2 + 1), whose 4 output phases (the pixels of
  // each pooling window) are 4x the output channels; the pool is the max over the phases. A small input
  // channel count (LeNet-5's 1) thus becomes one oneDNN's int8 kernels handle well.
  bool max_pool = false;
};

// A prepared int8 layer (convolution when `conv` is set, else matrix product y = x W^T + b): fixed weights,
// scales and fusions; oneDNN primitives and packed weights are built per input shape and cached.
class Int8Layer {
 public:
  // weight: s8 bit patterns held in a u8 tensor, [out, in/groups, kh, kw] or [out, in]; weight_scale one per
  // output channel; bias f32 [out] or undefined.
  Int8Layer(Tensor weight, std::vector<float> weight_scale, Tensor bias, Int8Quant quant, bool conv,
            Int8ConvGeometry geometry = {});
  ~Int8Layer();
  Int8Layer(const Int8Layer&) = delete;
  Int8Layer& operator=(const Int8Layer&) = delete;

  // Runs the layer on x (f32 or u8; [N, C, H, W] any layout for convolutions, [N, in] for products):
  // f32 or u8 output, channels-last for convolutions.
  // With Int8Quant::residual, `residual` (f32, the output's shape, any layout) is added before the ReLU
  // (oneDNN's sum post-op on the output, which starts as a copy of it).
  Tensor forward(const Tensor& x, const Tensor& residual = Tensor()) const;
  const Int8Quant& quant() const { return quant_; }

 private:
  struct Plan;
  std::shared_ptr<const Plan> plan(const Tensor& x) const;
  Tensor weight_;
  std::vector<float> weight_scale_;
  Tensor bias_;
  Int8Quant quant_;
  bool conv_;
  Int8ConvGeometry geometry_;
  int64_t phase_out_ = 0;       // with a fused max pool: the layer's own output channels (weight_ has 4x)
  int64_t kernel_[2] = {0, 0};  // with a fused max pool: the layer's own kernel size
  mutable std::mutex mutex_;
  mutable std::map<std::vector<int64_t>, std::shared_ptr<const Plan>> plans_;
};

// Quantises f32 x to s8 (signed) or u8 on `scale`: clamp(round(x / scale)); s8 bits are returned in a u8
// tensor of the same shape (contiguous).
Tensor quantize_per_tensor(const Tensor& x, float scale, bool is_signed);

// u8 x (any shape, dense or channels-last) times `scale` as f32, in x's layout.
Tensor dequantize_per_tensor(const Tensor& x, float scale);

// Symmetric per-output-channel quantisation of a weight [out, ...]: the s8 bits (in a u8 tensor) and the
// scales max|w[oc]| / 127 (1 for an all-zero channel).
std::pair<Tensor, std::vector<float>> quantize_weight(const Tensor& weight);

}  // namespace strata::kernels::cpu::int8
