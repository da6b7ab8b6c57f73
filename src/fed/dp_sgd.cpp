#include "strata/fed/dp_sgd.h"

#include <algorithm>
#include <cmath>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/fed/gaussian_noise.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::fed {
namespace {

// Turns requires_grad off for its scope, so backward computes only what the per-sample probes need.
class FrozenScope {
 public:
  explicit FrozenScope(const std::vector<Tensor>& params) : params_(params) {
    for (Tensor& p : params_) p.requires_grad_(false);
  }
  ~FrozenScope() {
    for (Tensor& p : params_) p.requires_grad_(true);
  }
  FrozenScope(const FrozenScope&) = delete;
  FrozenScope& operator=(const FrozenScope&) = delete;

 private:
  std::vector<Tensor> params_;
};

}  // namespace

DpSgd::DpSgd(std::shared_ptr<nn::Module> model, DpSgdOptions options)
    : model_(model), options_(options), per_sample_(std::move(model)) {
  STRATA_CHECK(options_.max_grad_norm > 0, "DpSgd: max_grad_norm must be positive, got {}",
               options_.max_grad_norm);
  STRATA_CHECK(options_.noise_multiplier >= 0, "DpSgd: noise_multiplier must be >= 0, got {}",
               options_.noise_multiplier);
}

double DpSgd::compute_gradients(const Tensor& inputs, const Tensor& targets, const LossFn& loss,
                                double expected_batch_size, Generator& generator) {
  STRATA_CHECK(expected_batch_size > 0, "DpSgd: expected_batch_size must be positive, got {}",
               expected_batch_size);
  const std::vector<Tensor>& params = per_sample_.parameters();
  const int64_t b = inputs.size(0);
  std::vector<Tensor> sums;
  double loss_value = 0.0;
  clipped_fraction_ = 0.0;
  if (b > 0) {
    {
      FrozenScope frozen(params);
      const Tensor l = loss(model_->operator()(inputs), targets);
      loss_value = l.item();
      l.backward();
    }
    // The loss is the batch mean: scaling the output gradients by b gives each sample's own gradient. The
    // clipping factors min(1, C / |g_i|) are B numbers, computed here without a chain of tiny tensor ops;
    // the division by the expected batch size rides on them rather than on every parameter.
    const double scale = static_cast<double>(b);
    const std::vector<float> squared = per_sample_.squared_norms(scale).to_vector<float>();
    std::vector<float> factors(squared.size());
    int64_t clipped = 0;
    for (size_t i = 0; i < squared.size(); ++i) {
      const double f = options_.max_grad_norm / (std::sqrt(static_cast<double>(squared[i])) + 1e-6);
      clipped += f < 1.0;
      factors[i] = static_cast<float>(std::min(f, 1.0) / expected_batch_size);
    }
    clipped_fraction_ = static_cast<double>(clipped) / static_cast<double>(b);
    sums = per_sample_.weighted_sum(from_vector(factors, {b}), scale);
  }
  autograd::NoGradGuard no_grad;
  const double std = options_.noise_multiplier * options_.max_grad_norm / expected_batch_size;
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor g = sums.empty() ? zeros_like(params[i]) : sums[i];
    if (std > 0) {
      if (g.dtype() == kFloat32 && g.is_contiguous()) {
        add_gaussian_noise(g, std, generator);
      } else {
        g = ops::add(g, gaussian_noise(g.shape(), std, generator).to(g.dtype()));
      }
    }
    Tensor p = params[i];
    p.set_grad(g);
  }
  return loss_value;
}

}  // namespace strata::fed
