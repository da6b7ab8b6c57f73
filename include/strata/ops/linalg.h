#pragma once
// Matrix products (oneDNN for f32, OpenBLAS for f64).
#include <optional>

#include "strata/core/tensor.h"

namespace strata::ops {

// PyTorch semantics: 1-D dot/matrix-vector, 2-D mm, N-D batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
// [n, k] x [k, m].
Tensor mm(const Tensor& a, const Tensor& b);
// [b, n, k] x [b, k, m].
Tensor bmm(const Tensor& a, const Tensor& b);
// x @ weight^T + bias, weight [out, in], x [..., in]; fused in one primitive.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace strata::ops
