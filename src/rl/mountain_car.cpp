// MountainCar-v0 with Gymnasium's constants.
#include "strata/rl/mountain_car.h"

#include <algorithm>
#include <cmath>

#include "rl/env_check.h"

namespace strata::rl {
namespace {

constexpr double kMinPosition = -1.2;
constexpr double kMaxPosition = 0.6;
constexpr double kMaxSpeed = 0.07;
constexpr double kGoalPosition = 0.5;
constexpr double kGoalVelocity = 0.0;
constexpr double kForce = 0.001;
constexpr double kGravity = 0.0025;

}  // namespace

MountainCar::MountainCar() {
  observation_space_ = Space::box({static_cast<float>(kMinPosition), static_cast<float>(-kMaxSpeed)},
                                  {static_cast<float>(kMaxPosition), static_cast<float>(kMaxSpeed)});
  action_space_ = Space::discrete(3);
}

std::vector<float> MountainCar::reset(std::optional<uint64_t> seed) {
  if (seed) generator_.manual_seed(*seed);
  state_ = {detail::uniform(generator_, -0.6, -0.4), 0.0};
  episode_.begin();
  return observation();
}

void MountainCar::set_state(const State& state) {
  state_ = state;
  episode_.resume();
}

Step MountainCar::step(int64_t action) {
  episode_.check_running(*this);
  detail::check_discrete_action(*this, action);
  auto& [position, velocity] = state_;
  velocity += static_cast<double>(action - 1) * kForce + std::cos(3 * position) * (-kGravity);
  velocity = std::clamp(velocity, -kMaxSpeed, kMaxSpeed);
  position += velocity;
  position = std::clamp(position, kMinPosition, kMaxPosition);
  if (position == kMinPosition && velocity < 0) velocity = 0;

  Step out;
  out.terminated = position >= kGoalPosition && velocity >= kGoalVelocity;
  out.reward = -1.0;
  out.truncated = episode_.advance(max_episode_steps(), out.terminated);
  out.observation = observation();
  return out;
}

std::vector<float> MountainCar::observation() const {
  return {static_cast<float>(state_[0]), static_cast<float>(state_[1])};
}

}  // namespace strata::rl
