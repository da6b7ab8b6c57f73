#pragma once
// CPU implementation behind kernels/linalg.h: oneDNN for f32, OpenBLAS for f64.
#include "kernels/linalg.h"

namespace strata::kernels::cpu {

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& bias);

}  // namespace strata::kernels::cpu
