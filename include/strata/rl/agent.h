#pragma once
// What every learning agent (REINFORCE, A2C, PPO, DQN) offers to users and to the `strata rl` command.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"
#include "strata/rl/vector_env.h"

namespace strata::rl {

// What an agent reports after each of its updates.
struct LearnProgress {
  int64_t steps = 0;                    // environment steps so far, summed over the copies
  int64_t updates = 0;                  // gradient updates (or PPO iterations) so far
  std::vector<double> episode_returns;  // episodes finished since the previous report
  std::vector<int64_t> episode_lengths;
  std::map<std::string, double> losses;  // e.g. "policy_loss", "value_loss", "entropy", "q_loss", "epsilon"
};
using LearnCallback = std::function<void(const LearnProgress&)>;

class Agent {
 public:
  virtual ~Agent() = default;
  // The algorithm's name: "reinforce", "a2c", "ppo", "dqn".
  virtual std::string name() const = 0;
  // Trains on `env` until `total_steps` environment steps (over all copies) have been taken since the agent
  // was built; a later call continues from there.
  virtual void learn(VectorEnv& env, int64_t total_steps, const LearnCallback& on_progress = {}) = 0;
  // Actions for observations [N, obs_dim] f32: [N] i64 (discrete) or [N, act_dim] f32 (continuous, clipped to
  // the action space); the greedy / mean action when deterministic, a sample otherwise.
  virtual Tensor act(const Tensor& observations, bool deterministic = true) = 0;
  // The networks (and normalisation statistics) a saved policy needs, by dotted name.
  virtual nn::StateDict state_dict() const = 0;
  virtual void load_state_dict(const nn::StateDict& state) = 0;
};

// Plays `episodes` whole episodes with `agent` on copies of make_env(env_id) seeded from `seed`; returns each
// episode's return, in the order they finished.
std::vector<double> evaluate(Agent& agent, const std::string& env_id, int64_t episodes, uint64_t seed,
                             bool deterministic = true);

}  // namespace strata::rl
