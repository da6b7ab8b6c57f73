// Pendulum-v1 with Gymnasium's constants.
#include "strata/rl/pendulum.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "rl/env_check.h"

namespace strata::rl {
namespace {

constexpr double kMaxSpeed = 8;
constexpr float kMaxTorque = 2.0f;
constexpr double kDt = 0.05;
constexpr double kG = 10.0;
constexpr double kM = 1.0;
constexpr double kL = 1.0;
constexpr double kPi = std::numbers::pi;

// x wrapped into [-pi, pi): ((x + pi) mod 2 pi) - pi with a floored modulo.
double angle_normalize(double x) {
  const double period = 2 * kPi;
  double mod = std::fmod(x + kPi, period);
  if (mod != 0 && mod < 0) mod += period;
  return mod - kPi;
}

}  // namespace

Pendulum::Pendulum() {
  observation_space_ =
      Space::box({-1.0f, -1.0f, static_cast<float>(-kMaxSpeed)}, {1.0f, 1.0f, static_cast<float>(kMaxSpeed)});
  action_space_ = Space::box({-kMaxTorque}, {kMaxTorque});
}

std::vector<float> Pendulum::reset(std::optional<uint64_t> seed) {
  if (seed) generator_.manual_seed(*seed);
  state_[0] = detail::uniform(generator_, -kPi, kPi);
  state_[1] = detail::uniform(generator_, -1.0, 1.0);
  episode_.begin();
  return observation();
}

void Pendulum::set_state(const State& state) {
  state_ = state;
  episode_.resume();
}

Step Pendulum::step(std::span<const float> action) {
  episode_.check_running(*this);
  detail::check_box_action(*this, action);
  auto& [th, thdot] = state_;
  const double u = static_cast<double>(std::clamp(action[0], -kMaxTorque, kMaxTorque));
  const double th_normalized = angle_normalize(th);
  const double costs = th_normalized * th_normalized + 0.1 * (thdot * thdot) + 0.001 * (u * u);
  double newthdot = thdot + (3 * kG / (2 * kL) * std::sin(th) + 3.0 / (kM * (kL * kL)) * u) * kDt;
  newthdot = std::clamp(newthdot, -kMaxSpeed, kMaxSpeed);
  const double newth = th + newthdot * kDt;
  th = newth;
  thdot = newthdot;

  Step out;
  out.reward = -costs;
  out.terminated = false;
  out.truncated = episode_.advance(max_episode_steps(), false);
  out.observation = observation();
  return out;
}

std::vector<float> Pendulum::observation() const {
  return {static_cast<float>(std::cos(state_[0])), static_cast<float>(std::sin(state_[0])),
          static_cast<float>(state_[1])};
}

}  // namespace strata::rl
