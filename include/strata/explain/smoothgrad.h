#pragma once
// SmoothGrad (Smilkov et al. 2017): the gradient averaged over copies of the input with Gaussian noise, which
// removes the high-frequency speckle of plain gradients; SmoothGrad-squared and VarGrad (Adebayo et al. 2018)
// aggregate the same noisy gradients by their second moment and their variance (Captum's NoiseTunnel
// nt_type "smoothgrad", "smoothgrad_sq", "vargrad").
#include <cstdint>

#include "strata/explain/attribution.h"

namespace strata::explain {

// How the noisy gradients g_1..g_n are aggregated.
enum class SmoothGradType {
  SmoothGrad,         // mean(g)
  SmoothGradSquared,  // mean(g^2)
  VarGrad,            // mean(g^2) - mean(g)^2
};

struct SmoothGradOptions {
  int64_t n_samples = 50;     // noisy copies per example
  double noise_level = 0.15;  // noise standard deviation as a fraction of each example's max - min
  SmoothGradType type = SmoothGradType::SmoothGrad;
  uint64_t seed = 0;  // the noise's seed: equal seeds give equal attributions
};

// Attributions shaped like `input` [N, ...]; the copies run internal_batch_size rows at a time.
Tensor smoothgrad(nn::Module& model, const Tensor& input, const AttributionOptions& options = {},
                  const SmoothGradOptions& smoothgrad_options = {});

}  // namespace strata::explain
