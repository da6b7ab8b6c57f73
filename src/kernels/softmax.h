#pragma once
// Softmax kernels: no autograd, any device.
#include "strata/core/tensor.h"

namespace strata::kernels {

// Softmax (or log-softmax when `log`) of x along `dim` (already wrapped), shifted by the max so large
// inputs do not overflow; floating dtypes; contiguous output of x's shape.
Tensor softmax(const Tensor& x, int64_t dim, bool log);

}  // namespace strata::kernels
