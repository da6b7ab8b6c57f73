#pragma once
// Matrix-product kernels: no autograd, any device.
#include "strata/core/tensor.h"

namespace strata::kernels {

// out[..., m, n] = a[..., m, k] @ b[..., k, n] (+ bias[n]). a and b are at least 2-D, any strides;
// their batch dims are right-aligned and broadcast (size 1 or equal). bias is undefined or 1-D of
// size n. All operands share a floating dtype; the result is contiguous and of that dtype. `compute` is
// the dtype the products run in: the operands' own, or kBFloat16 for f32 operands (mixed precision: a and
// b rounded to bf16, sums and the result in f32; only where kernels::bf16_supported says so).
Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& bias = {}, Dtype compute = kFloat32);
// out[m, n] = a[m, k] @ b[k, n] (+ bias[n]), then max(out, 0) when `relu` (a fused post-op), written into
// the caller's contiguous out (so compiled graphs run from their own arena). 2-D operands, any strides.
void matmul_into(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& out, bool relu = false);

}  // namespace strata::kernels
