#pragma once
// Fused optimiser kernels: each update reads and writes a parameter and its state in one pass (PyTorch's
// update rules, step by step), plus the in-place helpers gradient clipping needs. Every tensor handed to
// these kernels is contiguous, and a parameter, its gradient and its state share shape, dtype and device.
#include <cstdint>

#include "strata/core/tensor.h"

namespace strata::kernels {

// One SGD step. `init_buffer`: the momentum buffer is new and starts as the (decayed) gradient.
struct SgdStep {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, init_buffer;
};
// `buffer` is used (and may be undefined otherwise) only when momentum != 0.
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buffer, const SgdStep& s);

// One Adam / AdamW step; `step` is the step count after this update (1 on the first).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled, amsgrad;
  int64_t step;
};
// `max_exp_avg_sq` is used only with amsgrad.
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamStep& s);

// One RMSprop step.
struct RmspropStep {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered;
};
// `momentum_buffer` is used only when momentum > 0, `grad_avg` only when centered.
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& momentum_buffer, const Tensor& grad_avg, const RmspropStep& s);

// One Adagrad step with the already decayed learning rate `clr`.
struct AdagradStep {
  double clr, weight_decay, eps;
};
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradStep& s);

// Sum of |x|^p over a contiguous tensor (max |x| when p is infinite), accumulated in double in an order
// that does not depend on the thread count. NaNs propagate.
double norm_accumulate(const Tensor& t, double p);
// x *= factor, in place.
void scale_(const Tensor& t, double factor);
// x = min(max(x, lo), hi), in place (NaNs stay NaN).
void clamp_(const Tensor& t, double lo, double hi);

}  // namespace strata::kernels
