#pragma once
// MountainCar-v0 (Moore 1990, as Gymnasium defines it): an under-powered car in a valley must rock back and
// forth to reach the flag at position 0.5. Actions: 0 push left, 1 no push, 2 push right. Observation:
// position, velocity. Reward -1 every step; terminated when position >= 0.5 (and velocity >= 0); truncated
// after 200 steps. reset() draws the position uniformly from [-0.6, -0.4) with velocity 0.
#include <array>

#include "strata/core/generator.h"
#include "strata/rl/env.h"
#include "strata/rl/episode_clock.h"

namespace strata::rl {

class MountainCar : public Env {
 public:
  // position, velocity.
  using State = std::array<double, 2>;

  MountainCar();
  std::string name() const override { return "MountainCar-v0"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  int64_t max_episode_steps() const override { return 200; }
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
