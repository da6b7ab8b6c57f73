#pragma once
// Penalties to add to a loss: loss + l2_penalty(net->parameters(), 1e-4).
#include <vector>

#include "strata/core/tensor.h"

namespace strata::nn {

// lambda * sum |p| over all parameters (differentiable, 0-dim).
Tensor l1_penalty(const std::vector<Tensor>& parameters, double lambda);
// lambda * sum p^2 over all parameters (differentiable, 0-dim). Note: weight_decay in the optimisers
// is the cheaper equivalent of lambda / 2 * sum p^2 for SGD.
Tensor l2_penalty(const std::vector<Tensor>& parameters, double lambda);

}  // namespace strata::nn
