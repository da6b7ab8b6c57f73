#pragma once
// CPU implementations behind kernels/optim.h.
#include "kernels/optim.h"

namespace strata::kernels::cpu {

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buffer, const SgdStep& s);
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
               const Tensor& max_exp_avg_sq, const AdamStep& s);
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& momentum_buffer, const Tensor& grad_avg, const RmspropStep& s);
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradStep& s);
double norm_accumulate(const Tensor& t, double p);
void scale_(const Tensor& t, double factor);
void clamp_(const Tensor& t, double lo, double hi);

}  // namespace strata::kernels::cpu
