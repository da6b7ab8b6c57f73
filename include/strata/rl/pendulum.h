#pragma once
// Pendulum-v1 (as Gymnasium defines it): swing a frictionless pendulum up and hold it upright with a torque
// in [-2, 2] (actions outside are clipped). Observation: cos(theta), sin(theta), angular velocity (theta = 0
// is upright). Reward -(angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2) with g = 10, m = l = 1,
// dt = 0.05 and the angular velocity clipped to [-8, 8]; never terminates; truncated after 200 steps.
// reset() draws theta uniformly from [-pi, pi) and theta_dot from [-1, 1).
#include <array>

#include "strata/core/generator.h"
#include "strata/rl/env.h"
#include "strata/rl/episode_clock.h"

namespace strata::rl {

class Pendulum : public Env {
 public:
  // theta, theta_dot.
  using State = std::array<double, 2>;

  Pendulum();
  std::string name() const override { return "Pendulum-v1"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  int64_t max_episode_steps() const override { return 200; }
  std::vector<float> reset(std::optional<uint64_t> seed = std::nullopt) override;
  Step step(std::span<const float> action) override;
  using Env::step;

  // The physical state (Gymnasium's env.unwrapped.state).
  const State& state() const { return state_; }
  // Replaces the physical state; the episode runs on from it (its step count unchanged).
  void set_state(const State& state);

 private:
  std::vector<float> observation() const;

  Space observation_space_, action_space_;
  Generator generator_;
  State state_{};
  EpisodeClock episode_;
};

}  // namespace strata::rl
