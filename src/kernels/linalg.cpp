// Device dispatch for matrix-product kernels.
#include "kernels/linalg.h"

#include "kernels/cpu/matmul.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor matmul(const Tensor& a, const Tensor& b, const Tensor& bias, Dtype compute) {
  if (a.device().is_cpu()) return cpu::matmul(a, b, bias, compute);
  unsupported_device("matmul", a.device());
}

void matmul_into(const Tensor& a, const Tensor& b, const Tensor& bias, const Tensor& out, bool relu) {
  if (a.device().is_cpu()) return cpu::matmul_into(a, b, bias, out, relu);
  unsupported_device("matmul_into", a.device());
}

}  // namespace strata::kernels
