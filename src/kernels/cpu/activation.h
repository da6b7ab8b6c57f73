#pragma once
// CPU fused activation backward kernels (see kernels/activation.h).
#include "kernels/activation.h"

namespace strata::kernels::cpu {

Tensor relu_backward(const Tensor& g, const Tensor& y);
void relu_backward_into(const Tensor& g, const Tensor& y, const Tensor& out);
Tensor hardtanh_backward(const Tensor& g, const Tensor& y, double min_val, double max_val);
Tensor gelu_backward(const Tensor& g, const Tensor& x);

}  // namespace strata::kernels::cpu
