#pragma once
// Fused activation backward kernels: no autograd, any device. Ops use them for first-order backward
// passes (a create_graph backward keeps the formulas written with ops).
#include "strata/core/tensor.h"

namespace strata::kernels {

// relu's input gradient from its output: 0 where y <= 0, else g (a NaN y passes g), in one pass.
Tensor relu_backward(const Tensor& g, const Tensor& y);
// The same into `out` (shaped like g; it may be g itself, for an in-place backward).
void relu_backward_into(const Tensor& g, const Tensor& y, const Tensor& out);
// hardtanh's input gradient from its output: 0 where y <= min_val or y >= max_val, else g, in one pass.
Tensor hardtanh_backward(const Tensor& g, const Tensor& y, double min_val, double max_val);
// gelu's (erf form) input gradient from its input: g * (Phi(x) + x phi(x)), in one pass.
Tensor gelu_backward(const Tensor& g, const Tensor& x);

}  // namespace strata::kernels
