#include "strata/rl/actor_critic.h"

#include <fmt/format.h>

#include "strata/core/factory.h"
#include "strata/rl/mlp.h"

namespace strata::rl {

ActorCriticImpl::ActorCriticImpl(const Space& observation_space, const Space& action_space,
                                 const PolicyOptions& policy, Generator& generator, double log_std_init)
    : Module("ActorCritic"),
      discrete(action_space.is_discrete()),
      observation_dim(observation_space.dim()),
      action_dim(action_space.is_discrete() ? action_space.n : action_space.dim()) {
  STRATA_CHECK(!observation_space.is_discrete(), "ActorCritic: observations must be a Box, got {}",
               observation_space.str());
  STRATA_CHECK(action_dim > 0, "ActorCritic: the action space {} is empty", action_space.str());
  actor = register_module(
      "actor",
      make_mlp(observation_dim, policy.hidden, action_dim, policy.activation, 0.01, generator).ptr());
  critic = register_module(
      "critic", make_mlp(observation_dim, policy.hidden, 1, policy.activation, 1.0, generator).ptr());
  if (!discrete) log_std = register_parameter("log_std", full({action_dim}, log_std_init));
}

Tensor ActorCriticImpl::value(const Tensor& observations) { return critic(observations).squeeze(1); }

Tensor ActorCriticImpl::forward(const Tensor& observations) { return actor(observations); }

std::pair<Tensor, Tensor> ActorCriticImpl::evaluate_actions(const Tensor& observations,
                                                            const Tensor& actions) {
  const Tensor out = forward(observations);
  if (discrete) {
    const Categorical dist(out);
    return {dist.log_prob(actions), dist.entropy()};
  }
  const Normal dist(out, log_std);
  return {dist.log_prob(actions), dist.entropy()};
}

std::string ActorCriticImpl::extra_repr() const {
  return fmt::format("observation_dim={}, action_dim={}, discrete={}", observation_dim, action_dim, discrete);
}

}  // namespace strata::rl
