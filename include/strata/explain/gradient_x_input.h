#pragma once
// Gradient x input (Shrikumar et al. 2016, Captum's InputXGradient): the input times the gradient of the
// target score with respect to it; for a linear model it is each element's exact contribution.
#include "strata/explain/attribution.h"

namespace strata::explain {

// Attributions shaped like `input` [N, ...]: input * d score[target] / d input.
Tensor gradient_x_input(nn::Module& model, const Tensor& input, const AttributionOptions& options = {});

}  // namespace strata::explain
