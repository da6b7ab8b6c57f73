// The algorithms `strata rl` and programs can name. Adding one is one line in algorithm_types().
#include "strata/rl/registry.h"

#include <fmt/format.h>

#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"
#include "strata/rl/a2c.h"
#include "strata/rl/dqn.h"
#include "strata/rl/ppo.h"
#include "strata/rl/reinforce.h"

namespace strata::rl {

const std::vector<AlgorithmType>& algorithm_types() {
  static const std::vector<AlgorithmType> types = {reinforce_algorithm(), a2c_algorithm(), ppo_algorithm(),
                                                   dqn_algorithm()};
  return types;
}

const AlgorithmType& algorithm_type(const std::string& name) {
  std::vector<std::string> known;
  for (const auto& t : algorithm_types()) {
    if (t.name == name) return t;
    known.push_back(t.name);
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw Error(fmt::format("unknown algorithm '{}'{} (known: {})", name, did_you_mean(name, known), list));
}

std::unique_ptr<Agent> make_agent(const std::string& name, const AgentContext& context,
                                  const nn::ArgMap& options) {
  const AlgorithmType& type = algorithm_type(name);
  const nn::LayerArgs args(name, type.options, options, {}, {}, "algorithm");
  const bool discrete = context.action_space.is_discrete();
  if ((discrete && !type.discrete) || (!discrete && !type.box)) {
    throw Error(
        fmt::format("algorithm '{}' does not support the action space {}", name, context.action_space.str()));
  }
  STRATA_CHECK(context.num_envs > 0, "algorithm '{}': num_envs must be positive, got {}", name,
               context.num_envs);
  return type.create(context, args);
}

}  // namespace strata::rl
