#pragma once
// Numerically stable softmax and log-softmax along a dim.
#include "strata/core/tensor.h"

namespace strata::ops {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace strata::ops
