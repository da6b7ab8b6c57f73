#pragma once
// Learning algorithms by name ("reinforce", "a2c", "ppo", "dqn"), each hyperparameter's name, kind and
// default declared once (SB3 / CleanRL names: learning_rate, n_steps, gamma, gae_lambda, ...), for configs
// and programs that choose an algorithm at run time:
//   auto agent = rl::make_agent("ppo", {.observation_space = env.observation_space(),
//                                       .action_space = env.action_space(), .num_envs = 8, .seed = 1},
//                               {{"n_steps", 32}, {"learning_rate", 1e-3}});
// An algorithm plugs in with one entry of algorithm_types() (src/rl/registry.cpp): its header declares a
// function returning its AlgorithmType (e.g. rl::ppo_algorithm()).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/nn/layer_registry.h"
#include "strata/rl/agent.h"
#include "strata/rl/env.h"

namespace strata::rl {

// The hidden layers of an agent's networks (policy: {hidden: [64, 64], activation: tanh} in configs).
struct PolicyOptions {
  std::vector<int64_t> hidden = {64, 64};
  std::string activation = "tanh";  // tanh | relu
};

// What every algorithm is built from besides its hyperparameters.
struct AgentContext {
  Space observation_space{};  // a Box
  Space action_space{};       // Discrete or Box
  int64_t num_envs = 1;       // copies of the VectorEnv the agent will learn on
  PolicyOptions policy{};
  uint64_t seed = 0;  // weights' initialisation and action sampling
};

struct AlgorithmType {
  std::string name;                  // "ppo"
  std::string description;           // one line, for docs and help
  std::vector<nn::ArgSpec> options;  // hyperparameters with their defaults
  bool discrete = true, box = true;  // the action spaces it supports
  std::function<std::unique_ptr<Agent>(const AgentContext&, const nn::LayerArgs&)> create;
};

// Every algorithm, in a fixed order.
const std::vector<AlgorithmType>& algorithm_types();
// The algorithm called `name`; throws naming the known ones (with a "did you mean") for any other name.
const AlgorithmType& algorithm_type(const std::string& name);
// Builds algorithm `name` with `options` (the rest take their defaults). Throws naming the algorithm and
// the option for an unknown option, a value of the wrong kind or out of range, or an action space the
// algorithm does not support.
std::unique_ptr<Agent> make_agent(const std::string& name, const AgentContext& context,
                                  const nn::ArgMap& options = {});

}  // namespace strata::rl
