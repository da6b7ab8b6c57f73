#pragma once
// DP-SGD (Abadi et al. 2016) gradients: per-sample gradients (per_sample_grad.h) clipped to an L2 norm of
// max_grad_norm, summed, perturbed with Gaussian noise of std noise_multiplier * max_grad_norm and divided by
// the expected batch size. The RdpAccountant (rdp_accountant.h) turns the steps into epsilon.
#include <functional>
#include <memory>

#include "strata/core/generator.h"
#include "strata/fed/per_sample_grad.h"

namespace strata::fed {

struct DpSgdOptions {
  double max_grad_norm = 1.0;     // C: every sample's gradient is scaled to at most this L2 norm
  double noise_multiplier = 1.0;  // sigma: the noise std is sigma * C
};

// A loss over a batch: the mean of per-sample losses (cross entropy by default).
using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

class DpSgd {
 public:
  // Hooks the Linear and Conv2d layers of `model` (see PerSampleGradients for what else it accepts);
  // throws naming a bad option.
  DpSgd(std::shared_ptr<nn::Module> model, DpSgdOptions options);
  // Sets the .grad of every trainable parameter to the private gradient of one batch (`inputs` may hold no
  // row: Poisson sampling can draw an empty batch, whose gradient is noise alone) and returns the batch's
  // mean loss (0 for an empty batch). `expected_batch_size` divides the noisy sum (q * N for Poisson
  // sampling of rate q). Noise comes from `generator`.
  double compute_gradients(const Tensor& inputs, const Tensor& targets, const LossFn& loss,
                           double expected_batch_size, Generator& generator);
  const DpSgdOptions& options() const { return options_; }
  // The fraction of samples whose gradient was clipped in the last batch.
  double clipped_fraction() const { return clipped_fraction_; }

 private:
  std::shared_ptr<nn::Module> model_;
  DpSgdOptions options_;
  PerSampleGradients per_sample_;
  double clipped_fraction_ = 0.0;
};

}  // namespace strata::fed
