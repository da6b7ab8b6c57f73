#pragma once
// How the ops that autocast covers (matmul, mm, bmm, linear, the convolutions) pick their compute dtype.
#include "strata/core/autocast.h"
#include "strata/core/tensor.h"

namespace strata::ops {

// The dtype a product on `x` computes in under this thread's autocast state: kBFloat16 for an f32 x
// inside an autocast(kBFloat16) scope on a device with native bf16, else x's own dtype. Falling back
// for want of hardware support prints a notice on stderr, once per process.
Dtype autocast_compute_dtype(const Tensor& x);

}  // namespace strata::ops
