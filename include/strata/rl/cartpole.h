#pragma once
// CartPole-v1 (Barto, Sutton & Anderson 1983, as Gymnasium defines it): push a cart left (0) or right (1)
// to keep the pole on it upright. Observation: cart position, cart velocity, pole angle, pole angular
// velocity. Explicit Euler steps of 0.02 s; reward +1 every step, the terminating one included; terminated
// when |x| > 2.4 or |theta| > 12 degrees; truncated after 500 steps. reset() draws all four state variables
// uniformly from [-0.05, 0.05).
#include <array>

#include "strata/core/generator.h"
#include "strata/rl/env.h"
#include "strata/rl/episode_clock.h"

namespace strata::rl {

class CartPole : public Env {
 public:
  // x, x_dot, theta, theta_dot.
  using State = std::array<double, 4>;

  CartPole();
  std::string name() const override { return "CartPole-v1"; }
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
