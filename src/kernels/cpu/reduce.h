#pragma once
#include "kernels/reduce.h"

namespace strata::kernels::cpu {
Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim);
}
