#pragma once
#include <vector>

#include "strata/core/tensor.h"

namespace strata::optim {

// Scales gradients in place so their global norm is at most max_norm; returns the norm before clipping.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0);
// Clamps every gradient element to [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace strata::optim
