#pragma once
// CPU softmax / log-softmax (see kernels/softmax.h).
#include "kernels/softmax.h"

namespace strata::kernels::cpu {

Tensor softmax(const Tensor& x, int64_t dim, bool log);

}  // namespace strata::kernels::cpu
