#pragma once
// Reinforcement-learning environments with Gymnasium's interface: reset(seed) gives the first observation,
// step(action) gives the next observation, the reward and whether the episode terminated (a terminal state
// of the task) or was truncated (a time limit). Observations are f32, as Gymnasium returns them; the
// dynamics are computed in double where Gymnasium computes them in float64.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace strata::rl {

// The set an observation or an action lives in: Discrete(n) = {0, ..., n-1}, or a Box of `low`..`high`
// per dimension.
struct Space {
  enum class Kind { Discrete, Box };
  Kind kind = Kind::Discrete;
  int64_t n = 0;                 // Discrete: number of values
  std::vector<float> low, high;  // Box: per-dimension bounds (+-inf where unbounded)

  static Space discrete(int64_t n);
  static Space box(std::vector<float> low, std::vector<float> high);
  bool is_discrete() const { return kind == Kind::Discrete; }
  // Box: number of dimensions; Discrete: 1 (one index).
  int64_t dim() const { return is_discrete() ? 1 : static_cast<int64_t>(low.size()); }
  // "Discrete(2)" or "Box(low=[...], high=[...])".
  std::string str() const;
};

// What one step returns.
struct Step {
  std::vector<float> observation;
  double reward = 0;
  bool terminated = false;  // the task ended (pole fell, goal reached): do not bootstrap past it
  bool truncated = false;   // the time limit cut the episode: bootstrap from `observation`
};

// One environment. Discrete environments take step(int64_t), continuous ones step(span); calling the
// other raises strata::Error naming the environment and its action space.
class Env {
 public:
  virtual ~Env() = default;
  // Gymnasium's id, e.g. "CartPole-v1".
  virtual std::string name() const = 0;
  virtual const Space& observation_space() const = 0;
  virtual const Space& action_space() const = 0;
  // Steps after which an episode is truncated (Gymnasium's TimeLimit), 0 for none.
  virtual int64_t max_episode_steps() const = 0;
  // Starts an episode; a seed reseeds the environment's generator, none continues its stream.
  virtual std::vector<float> reset(std::optional<uint64_t> seed = std::nullopt) = 0;
  virtual Step step(int64_t action);
  virtual Step step(std::span<const float> action);
};

// Builds an environment by Gymnasium id: "CartPole-v1", "MountainCar-v0", "Acrobot-v1", "Pendulum-v1",
// "GridWorld-v0"; an unknown id raises strata::Error listing the known ones.
std::unique_ptr<Env> make_env(const std::string& id);
// The ids make_env knows.
std::vector<std::string> env_ids();

}  // namespace strata::rl
