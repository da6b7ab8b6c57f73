#pragma once
// Advantage Actor-Critic (Mnih et al. 2016, synchronous), as Stable-Baselines3's A2C: short rollouts of
// n_steps on every copy, GAE(lambda) advantages (lambda = 1: n-step returns), one RMSprop step per rollout
// on -mean(A log pi) + vf_coef * value loss - ent_coef * entropy.
#include "strata/rl/on_policy.h"

namespace strata::rl {

struct A2COptions : OnPolicyOptions {
  A2COptions() {
    n_steps = 5;
    learning_rate = 7e-4;
    gae_lambda = 1.0;
    normalize_advantage = false;
  }
  bool use_rms_prop = true;  // RMSprop(alpha 0.99, eps 1e-5) as SB3; false: Adam(eps 1e-5)
  double rms_prop_eps = 1e-5;
};

class A2C : public OnPolicyAgent {
 public:
  A2C(const AgentContext& context, const A2COptions& options = {});
  std::string name() const override { return "a2c"; }

 protected:
  std::map<std::string, double> train(double progress_remaining) override;
};

// The registry entry of "a2c".
AlgorithmType a2c_algorithm();

}  // namespace strata::rl
