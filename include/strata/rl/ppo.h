#pragma once
// Proximal Policy Optimization (Schulman et al. 2017) with the clipped surrogate objective, as
// Stable-Baselines3 and CleanRL implement it: GAE(lambda) advantages (normalised per minibatch), n_epochs
// passes over the rollout in shuffled minibatches, a clipped or unclipped value loss, an entropy bonus,
// gradient-norm clipping, optional linear learning-rate annealing and an optional early stop when the
// approximate KL divergence exceeds 1.5 * target_kl.
#include <optional>

#include "strata/rl/on_policy.h"

namespace strata::rl {

struct PPOOptions : OnPolicyOptions {
  int64_t batch_size = 64;  // minibatch size
  int64_t n_epochs = 10;
  double clip_range = 0.2;
  bool anneal_clip_range = false;  // decay clip_range linearly to 0 with the steps, as the SB3 zoo's lin_0.2
  std::optional<double> clip_range_vf;  // unset: unclipped value loss
  std::optional<double> target_kl;      // unset: no early stop
};

// The clipped surrogate loss mean(max(-A r, -A clip(r, 1 - eps, 1 + eps))) for probability ratios r and
// advantages A (both [B]).
Tensor clipped_surrogate_loss(const Tensor& ratio, const Tensor& advantages, double clip_range);

class PPO : public OnPolicyAgent {
 public:
  PPO(const AgentContext& context, const PPOOptions& options = {});
  std::string name() const override { return "ppo"; }

 protected:
  std::map<std::string, double> train(double progress_remaining) override;

 private:
  PPOOptions ppo_options_;
};

// The registry entry of "ppo".
AlgorithmType ppo_algorithm();

}  // namespace strata::rl
