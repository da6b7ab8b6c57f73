// Device dispatch for the fused activation backward kernels.
#include "kernels/activation.h"

#include "kernels/cpu/activation.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor relu_backward(const Tensor& g, const Tensor& y) {
  if (g.device().is_cpu() && y.device().is_cpu()) return cpu::relu_backward(g, y);
  unsupported_device("relu", g.device().is_cpu() ? y.device() : g.device());
}

void relu_backward_into(const Tensor& g, const Tensor& y, const Tensor& out) {
  if (g.device().is_cpu() && y.device().is_cpu()) return cpu::relu_backward_into(g, y, out);
  unsupported_device("relu", g.device().is_cpu() ? y.device() : g.device());
}

Tensor hardtanh_backward(const Tensor& g, const Tensor& y, double min_val, double max_val) {
  if (g.device().is_cpu() && y.device().is_cpu()) return cpu::hardtanh_backward(g, y, min_val, max_val);
  unsupported_device("hardtanh", g.device().is_cpu() ? y.device() : g.device());
}

Tensor gelu_backward(const Tensor& g, const Tensor& x) {
  if (g.device().is_cpu() && x.device().is_cpu()) return cpu::gelu_backward(g, x);
  unsupported_device("gelu", g.device().is_cpu() ? x.device() : g.device());
}

}  // namespace strata::kernels
