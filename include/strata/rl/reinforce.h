#pragma once
// REINFORCE with a learned baseline (Williams 1992; Sutton & Barto 13.4): Monte-Carlo discounted returns
// G_t, the policy pushed along (G_t - b(s_t)) grad log pi(a_t | s_t), the baseline b = V fitted to G_t by
// mean squared error. Each update uses n_steps per copy (set it to the episode length or more for whole
// episodes); an episode still running at the end of a batch is bootstrapped from the baseline, as is a
// truncated one.
#include "strata/rl/on_policy.h"

namespace strata::rl {

struct ReinforceOptions : OnPolicyOptions {
  ReinforceOptions() {
    n_steps = 500;
    learning_rate = 1e-3;
    gae_lambda = 1.0;  // Monte-Carlo returns: A_t = G_t - b(s_t)
    normalize_advantage = true;
    max_grad_norm = 0.0;
  }
};

class Reinforce : public OnPolicyAgent {
 public:
  Reinforce(const AgentContext& context, const ReinforceOptions& options = {});
  std::string name() const override { return "reinforce"; }

 protected:
  std::map<std::string, double> train(double progress_remaining) override;
};

// The registry entry of "reinforce".
AlgorithmType reinforce_algorithm();

}  // namespace strata::rl
