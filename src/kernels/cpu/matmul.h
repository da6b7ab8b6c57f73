#pragma once
// CPU implementation behind kernels/linalg.h: oneDNN for f32 (and bf16 compute), OpenBLAS for f64.
#include "kernels/linalg.h"

namespace strata::kernels::cpu {

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& bias, Dtype compute = kFloat32);
void matmul_into(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& out, bool relu);

}  // namespace strata::kernels::cpu
