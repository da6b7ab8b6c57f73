#pragma once
// The actor-critic networks of REINFORCE, A2C and PPO: a policy (actor) and a state-value function
// (critic) as two separate MLPs, CleanRL's and Stable-Baselines3's default. Discrete actions: the actor
// gives Categorical logits; Box actions: the actor gives a Gaussian mean and the standard deviation is
// exp(log_std), a parameter independent of the state. Parameter names: actor.*, critic.*, log_std.
#include "strata/core/generator.h"
#include "strata/nn/container.h"
#include "strata/nn/module.h"
#include "strata/rl/distributions.h"
#include "strata/rl/env.h"
#include "strata/rl/registry.h"

namespace strata::rl {

class ActorCriticImpl : public nn::Module {
 public:
  // Orthogonal initialisation from `generator`: hidden layers gain sqrt(2), the actor's output 0.01, the
  // critic's output 1; log_std starts at `log_std_init`.
  ActorCriticImpl(const Space& observation_space, const Space& action_space, const PolicyOptions& policy,
                  Generator& generator, double log_std_init = 0.0);
  // The critic's estimate V(observations): [N].
  Tensor value(const Tensor& observations);
  // The actor's output: logits [N, n] (discrete) or the Gaussian mean [N, act_dim] (Box).
  Tensor forward(const Tensor& observations) override;
  // log pi(actions | observations) [N] and the policy's entropy [N].
  std::pair<Tensor, Tensor> evaluate_actions(const Tensor& observations, const Tensor& actions);
  std::string extra_repr() const override;

  bool discrete;
  int64_t observation_dim, action_dim;  // action_dim: n for Discrete, dimensions for Box
  nn::Sequential actor, critic;
  Tensor log_std;  // Box only
};
STRATA_MODULE_HOLDER(ActorCritic);

}  // namespace strata::rl
