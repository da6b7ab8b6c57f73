#pragma once
// Reduction kernels: no autograd, any device.
#include "strata/core/tensor.h"

namespace strata::kernels {

enum class ReduceOp { Sum, Prod, Max, Min };

// Reduces x over `dims` (already wrapped, any order; empty = all dims). keepdim keeps size-1 dims.
// Sums of f32 accumulate in f64. Max/Min propagate NaN.
Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim);

}  // namespace strata::kernels
