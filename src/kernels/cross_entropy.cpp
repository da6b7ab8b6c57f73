// Device dispatch for the fused cross-entropy kernels.
#include "kernels/cross_entropy.h"

#include "kernels/cpu/cross_entropy.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, bool reduce, double scale) {
  if (logits.device().is_cpu()) return cpu::cross_entropy(logits, target, reduce, scale);
  unsupported_device("cross_entropy", logits.device());
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse,
                              const Tensor& grad, double scale) {
  if (logits.device().is_cpu()) return cpu::cross_entropy_backward(logits, target, lse, grad, scale);
  unsupported_device("cross_entropy", logits.device());
}

}  // namespace strata::kernels
