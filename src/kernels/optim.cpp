// Device dispatch for the fused optimiser kernels.
#include "kernels/optim.h"

#include "kernels/cpu/optim.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buffer, const SgdStep& s) {
  if (param.device().is_cpu()) return cpu::sgd_step(param, grad, buffer, s);
  unsupported_device("sgd_step", param.device());
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamStep& s) {
  if (param.device().is_cpu()) return cpu::adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, s);
  unsupported_device("adam_step", param.device());
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& momentum_buffer, const Tensor& grad_avg, const RmspropStep& s) {
  if (param.device().is_cpu())
    return cpu::rmsprop_step(param, grad, square_avg, momentum_buffer, grad_avg, s);
  unsupported_device("rmsprop_step", param.device());
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradStep& s) {
  if (param.device().is_cpu()) return cpu::adagrad_step(param, grad, sum, s);
  unsupported_device("adagrad_step", param.device());
}

double norm_accumulate(const Tensor& t, double p) {
  if (t.device().is_cpu()) return cpu::norm_accumulate(t, p);
  unsupported_device("norm_accumulate", t.device());
}

void scale_(const Tensor& t, double factor) {
  if (t.device().is_cpu()) return cpu::scale_(t, factor);
  unsupported_device("scale_", t.device());
}

void clamp_(const Tensor& t, double lo, double hi) {
  if (t.device().is_cpu()) return cpu::clamp_(t, lo, hi);
  unsupported_device("clamp_", t.device());
}

}  // namespace strata::kernels
