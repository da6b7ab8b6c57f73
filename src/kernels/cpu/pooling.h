#pragma once
// CPU implementation behind kernels/pooling.h: oneDNN for f32 max/avg pooling, loops otherwise.
#include "kernels/pooling.h"

namespace strata::kernels::cpu {

MaxPoolResult max_pool2d(const Tensor& x, const Pool2dParams& p, bool with_workspace);
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& workspace,
                           const Pool2dParams& p);
Tensor max_pool2d_gather(const Tensor& x, const Tensor& v, const Pool2dParams& p);
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p, bool count_include_pad);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, const Pool2dParams& p,
                           bool count_include_pad);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape);

}  // namespace strata::kernels::cpu
