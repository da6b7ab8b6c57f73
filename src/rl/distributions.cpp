// Categorical and diagonal Normal action distributions. Sampling reads plain values (no graph); the
// log-probabilities and entropies are compositions of differentiable ops, so they need no backward here.
#include "strata/rl/distributions.h"

#include <cmath>
#include <numbers>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/softmax.h"

namespace strata::rl {

Categorical::Categorical(const Tensor& logits) {
  STRATA_CHECK(logits.defined() && logits.dim() == 2 && logits.size(1) > 0,
               "Categorical: logits must be [N, K] with K >= 1, got {}",
               logits.defined() ? logits.shape().str() : std::string("an undefined tensor"));
  log_probs_ = ops::log_softmax(logits, 1);
}

Tensor Categorical::sample(Generator& generator) const {
  const int64_t n = log_probs_.size(0), k = log_probs_.size(1);
  const Tensor lp = log_probs_.detach().to(kFloat32).contiguous();
  const float* p = lp.data_ptr<float>();
  Tensor out = empty({n}, {.dtype = kInt64});
  int64_t* a = out.data_ptr<int64_t>();
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::lock_guard<std::mutex> lock(generator.mutex());
  for (int64_t i = 0; i < n; ++i) {
    // Inverse CDF: the first index whose cumulative probability exceeds u.
    const double u = uniform(generator.engine());
    double cumulative = 0;
    int64_t pick = k - 1;
    for (int64_t j = 0; j < k; ++j) {
      cumulative += std::exp(static_cast<double>(p[i * k + j]));
      if (u < cumulative) {
        pick = j;
        break;
      }
    }
    a[i] = pick;
  }
  return out;
}

Tensor Categorical::log_prob(const Tensor& actions) const {
  STRATA_CHECK(actions.defined() && actions.dtype() == kInt64 && actions.dim() == 1 &&
                   actions.size(0) == log_probs_.size(0),
               "Categorical::log_prob: actions must be [{}] i64, got {} {}", log_probs_.size(0),
               actions.defined() ? actions.shape().str() : std::string("undefined"),
               actions.defined() ? dtype_name(actions.dtype()) : "");
  return ops::gather(log_probs_, 1, actions.unsqueeze(1)).squeeze(1);
}

Tensor Categorical::entropy() const { return -(ops::exp(log_probs_) * log_probs_).sum({1}); }

Tensor Categorical::mode() const {
  NoGradGuard no_grad;
  return ops::argmax(log_probs_, 1);
}

Normal::Normal(const Tensor& mean, const Tensor& log_std) : mean_(mean), log_std_(log_std) {
  STRATA_CHECK(mean.defined() && mean.dim() == 2, "Normal: mean must be [N, D], got {}",
               mean.defined() ? mean.shape().str() : std::string("an undefined tensor"));
  STRATA_CHECK(log_std.defined() && ((log_std.dim() == 1 && log_std.size(0) == mean.size(1)) ||
                                     (log_std.dim() == 2 && log_std.shape() == mean.shape())),
               "Normal: log_std must be [{}] or {}, got {}", mean.size(1), mean.shape().str(),
               log_std.defined() ? log_std.shape().str() : std::string("an undefined tensor"));
}

Tensor Normal::sample(Generator& generator) const {
  NoGradGuard no_grad;
  const Tensor eps = randn(mean_.shape(), {.dtype = mean_.dtype()}, &generator);
  return mean_.detach() + ops::exp(log_std_.detach()) * eps;
}

Tensor Normal::log_prob(const Tensor& actions) const {
  STRATA_CHECK(actions.defined() && actions.shape() == mean_.shape(),
               "Normal::log_prob: actions must be {}, got {}", mean_.shape().str(),
               actions.defined() ? actions.shape().str() : std::string("undefined"));
  // -((a - mu)^2 / (2 var)) - log_std - log(sqrt(2 pi)), summed over the dimensions.
  const Tensor z = (actions - mean_) * ops::exp(-log_std_);
  const double log_sqrt_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
  return (z * z * -0.5 - log_std_ - log_sqrt_2pi).sum({1});
}

Tensor Normal::entropy() const {
  const double c = 0.5 + 0.5 * std::log(2.0 * std::numbers::pi);
  const Tensor per_dim = (log_std_ + c).expand(mean_.shape());
  return per_dim.sum({1});
}

}  // namespace strata::rl
