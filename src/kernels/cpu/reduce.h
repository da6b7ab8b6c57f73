#pragma once
// CPU reduction kernels (see kernels/reduce.h for the contracts).
#include "kernels/reduce.h"

namespace strata::kernels::cpu {

Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim);
std::pair<Tensor, Tensor> arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim);
Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim, bool take_sqrt);
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim);
Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim);

}  // namespace strata::kernels::cpu
