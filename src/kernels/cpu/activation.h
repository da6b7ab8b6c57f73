#pragma once
// CPU fused activation backward kernels (see kernels/activation.h).
#include "kernels/activation.h"

namespace strata::kernels::cpu {

Tensor relu_backward(const Tensor& g, const Tensor& y);

}  // namespace strata::kernels::cpu
