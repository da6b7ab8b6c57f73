#pragma once
// CPU implementations behind kernels/elementwise.h.
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {

Tensor unary(UnaryOp op, const Tensor& x, UnaryParams params);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
void binary_(BinaryOp op, const Tensor& dst, const Tensor& src);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
void copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, double value);

}  // namespace strata::kernels::cpu
