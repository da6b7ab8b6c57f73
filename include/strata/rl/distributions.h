#pragma once
// The action distributions of policy-gradient agents, batched over rows and differentiable in their
// parameters (torch.distributions' formulas): a Categorical over logits for Discrete actions and a diagonal
// Normal with a state-independent log standard deviation for Box actions.
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::rl {

// Categorical(logits): one distribution per row of logits [N, K].
class Categorical {
 public:
  explicit Categorical(const Tensor& logits);
  // Draws one index per row with `generator`: [N] i64 (not recorded).
  Tensor sample(Generator& generator) const;
  // log p(actions) for actions [N] i64: [N].
  Tensor log_prob(const Tensor& actions) const;
  // -sum p log p per row: [N].
  Tensor entropy() const;
  // The most likely index per row: [N] i64.
  Tensor mode() const;
  // The normalised log-probabilities [N, K] (logits minus their logsumexp).
  const Tensor& logits() const { return log_probs_; }

 private:
  Tensor log_probs_;
};

// Normal(mean, exp(log_std)) with independent dimensions: mean [N, D], log_std [D] (or [N, D]).
// log_prob and entropy sum over the D dimensions, as a diagonal Gaussian policy needs.
class Normal {
 public:
  Normal(const Tensor& mean, const Tensor& log_std);
  // mean + std * eps with eps ~ N(0, 1) drawn from `generator`: [N, D] (not recorded).
  Tensor sample(Generator& generator) const;
  // sum_d log N(actions_d; mean_d, std_d) for actions [N, D]: [N].
  Tensor log_prob(const Tensor& actions) const;
  // sum_d (0.5 + 0.5 log(2 pi) + log_std_d): [N].
  Tensor entropy() const;
  // The mean: [N, D].
  const Tensor& mode() const { return mean_; }
  const Tensor& mean() const { return mean_; }
  const Tensor& log_std() const { return log_std_; }

 private:
  Tensor mean_, log_std_;
};

}  // namespace strata::rl
