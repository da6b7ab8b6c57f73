#pragma once
// Acrobot-v1 (Sutton & Barto's "book" dynamics, as Gymnasium defines them): two links hang from a pivot; a
// torque of -1 (action 0), 0 (1) or +1 (2) on the joint between them must swing the free end above the bar.
// Observation: cos and sin of both joint angles, then both angular velocities. One RK4 step of 0.2 s per
// action; angles wrapped to [-pi, pi], velocities bounded by 4 pi and 9 pi. Reward -1 per step and 0 on the
// terminating one (-cos(theta1) - cos(theta1 + theta2) > 1); truncated after 500 steps. reset() draws the
// four state variables uniformly from [-0.1, 0.1) and, as Gymnasium, rounds them to float.
#include <array>

#include "strata/core/generator.h"
#include "strata/rl/env.h"
#include "strata/rl/episode_clock.h"

namespace strata::rl {

class Acrobot : public Env {
 public:
  // theta1, theta2, theta1_dot, theta2_dot.
  using State = std::array<double, 4>;

  Acrobot();
  std::string name() const override { return "Acrobot-v1"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  int64_t max_episode_steps() const override { return 500; }
  std::vector<float> reset(std::optional<uint64_t> seed = std::nullopt) override;
  Step step(int64_t action) override;
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
