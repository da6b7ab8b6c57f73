#pragma once
// 2-D convolution kernels (no autograd, any device): forward, gradient w.r.t. the input (which is also
// the transposed convolution) and gradient w.r.t. the weight. Layouts: x [N, C_in, H, W],
// weight [C_out, C_in / groups, kH, kW], out [N, C_out, OH, OW]; operands share a floating dtype and
// may have any strides. Activation results (out, the input gradient) are contiguous or channels-last
// (kernels/cpu/memory_format.h), as the kernel runs fastest; weight gradients are contiguous.
#include <array>

#include "strata/core/tensor.h"

namespace strata::kernels {

struct Conv2dParams {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> pad_begin{0, 0};  // top, left (>= 0)
  // bottom, right: exact, so that (in + pad_begin + pad_end - dilation * (k - 1) - 1) is a multiple of
  // the stride; may be negative (rows/columns the kernel never reaches).
  std::array<int64_t, 2> pad_end{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  // The dtype the convolution computes in: the operands' own, or kBFloat16 for f32 operands (mixed
  // precision: inputs rounded to bf16, sums and results in f32; only where kernels::bf16_supported).
  Dtype compute = kFloat32;
};

// The output size along one spatial dim (exact pads give an exact division).
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad_begin, int64_t pad_end,
                             int64_t dilation) {
  return (in + pad_begin + pad_end - dilation * (k - 1) - 1) / stride + 1;
}

// out = conv(x, weight) + bias (bias [C_out] or undefined).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
// d loss / d x of conv2d, for x of `input_shape`.
Tensor conv2d_backward_data(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                            const Conv2dParams& p);
// d loss / d weight of conv2d, for a weight of `weight_shape`; also d loss / d bias into *grad_bias
// (a [C_out] tensor) when grad_bias is not null.
Tensor conv2d_backward_weights(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                               const Conv2dParams& p, Tensor* grad_bias = nullptr);
// Both: d loss / d x (returned) and d loss / d weight into *grad_weight, d loss / d bias into *grad_bias
// when not null. Where both kernels read grad_out in the same converted layout (Winograd's blocked one,
// or bf16 under autocast) it is converted once.
Tensor conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                       Tensor* grad_weight, Tensor* grad_bias = nullptr);

}  // namespace strata::kernels
