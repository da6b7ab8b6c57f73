#pragma once
// Saliency (Simonyan et al. 2014, Captum's Saliency): the gradient of the target score with respect to the
// input, by default its absolute value.
#include "strata/explain/attribution.h"

namespace strata::explain {

struct SaliencyOptions {
  bool abs = true;  // |gradient| (Captum's default); false: the signed gradient
};

// Attributions shaped like `input` [N, ...]: d score[target] / d input, or its absolute value.
Tensor saliency(nn::Module& model, const Tensor& input, const AttributionOptions& options = {},
                const SaliencyOptions& saliency_options = {});

}  // namespace strata::explain
