#pragma once
// Reduction kernels: no autograd, any device. Dims are already wrapped (any order; empty = all dims);
// keepdim keeps reduced dims with size 1. Outputs are contiguous.
#include <utility>

#include "strata/core/tensor.h"

namespace strata::kernels {

enum class ReduceOp { Sum, Mean, Prod, Max, Min };

// Reduces x over `dims`. Sums and means of f32 accumulate in f64; Mean needs a floating dtype;
// Max/Min propagate NaN and throw on an empty reduction.
Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim);
// Values and i64 indices of the max (op Max) or min (op Min) along `dim`: the first occurrence wins and
// NaN counts as the extreme, like PyTorch. A 0-dim x gives itself and index 0.
std::pair<Tensor, Tensor> arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim);
// Variance over dims divided by max(0, N - correction), or its square root when take_sqrt (two passes in
// f64; floating dtypes).
Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim, bool take_sqrt);
// log(sum(exp(x))) over dims, shifted by the max so large inputs do not overflow (floating dtypes).
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim);
// p-norm over dims: p = inf / -inf give max / min of |x|, p = 0 counts nonzeros (floating dtypes).
Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim);

}  // namespace strata::kernels
