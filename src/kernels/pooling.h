#pragma once
// 2-D pooling kernels (no autograd, any device) over x [N, C, H, W]. Results are contiguous or, for a
// channels-last x (kernels/cpu/memory_format.h), channels-last.
#include <array>

#include "strata/core/tensor.h"

namespace strata::kernels {

struct Pool2dParams {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> pad{0, 0};  // the user's (symmetric) padding
  std::array<int64_t, 2> out{1, 1};  // output size, ceil_mode already applied
};

struct MaxPoolResult {
  Tensor out;
  // What the backward needs to route gradients (undefined unless asked for): oneDNN's workspace (u8)
  // or the flat index h * W + w of each window's maximum within its plane (i64).
  Tensor workspace;
};

// Max over each window (padding never wins); the first maximum (or NaN) is the one selected.
MaxPoolResult max_pool2d(const Tensor& x, const Pool2dParams& p, bool with_workspace);
// Routes grad_out to the selected elements of x (workspace from max_pool2d, or undefined to recompute).
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& workspace,
                           const Pool2dParams& p);
// v (shaped like x) read at the element each window of x selects: the adjoint of max_pool2d_backward.
Tensor max_pool2d_gather(const Tensor& x, const Tensor& v, const Pool2dParams& p);
// Mean over each window; the divisor counts padding (clipped to the padded input) when count_include_pad.
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p, bool count_include_pad);
// The adjoint of avg_pool2d, for an input of `input_shape`.
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, const Pool2dParams& p,
                           bool count_include_pad);
// Mean over PyTorch's adaptive windows [floor(i * in / out), ceil((i + 1) * in / out)).
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
// The adjoint of adaptive_avg_pool2d, for an input of `input_shape`.
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape);

}  // namespace strata::kernels
