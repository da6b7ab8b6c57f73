#pragma once
// CPU implementation behind kernels/upsample.h: loops over rows with precomputed source indices and
// weights, NCHW or channels-last.
#include "kernels/upsample.h"

namespace strata::kernels::cpu {

Tensor upsample2d(const Tensor& x, const UpsampleParams& p);
Tensor upsample2d_backward(const Tensor& grad_out, const Shape& input_shape, const UpsampleParams& p);

}  // namespace strata::kernels::cpu
