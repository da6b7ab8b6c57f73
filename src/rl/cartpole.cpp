// CartPole-v1 with Gymnasium's constants and explicit Euler integrator.
#include "strata/rl/cartpole.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "rl/env_check.h"

namespace strata::rl {
namespace {

constexpr double kGravity = 9.8;
constexpr double kMassCart = 1.0;
constexpr double kMassPole = 0.1;
constexpr double kTotalMass = kMassPole + kMassCart;
constexpr double kLength = 0.5;  // half the pole's length
constexpr double kPoleMassLength = kMassPole * kLength;
constexpr double kForceMag = 10.0;
constexpr double kTau = 0.02;  // seconds per step
constexpr double kThetaThreshold = 12 * 2 * std::numbers::pi / 360;
constexpr double kXThreshold = 2.4;

}  // namespace

CartPole::CartPole() {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float x_high = static_cast<float>(kXThreshold * 2),
              theta_high = static_cast<float>(kThetaThreshold * 2);
  observation_space_ = Space::box({-x_high, -inf, -theta_high, -inf}, {x_high, inf, theta_high, inf});
  action_space_ = Space::discrete(2);
}

std::vector<float> CartPole::reset(std::optional<uint64_t> seed) {
  if (seed) generator_.manual_seed(*seed);
  for (double& v : state_) v = detail::uniform(generator_, -0.05, 0.05);
  episode_.begin();
  return observation();
}

void CartPole::set_state(const State& state) {
  state_ = state;
  episode_.resume();
}

Step CartPole::step(int64_t action) {
  episode_.check_running(*this);
  detail::check_discrete_action(*this, action);
  auto& [x, x_dot, theta, theta_dot] = state_;
  const double force = action == 1 ? kForceMag : -kForceMag;
  const double costheta = std::cos(theta), sintheta = std::sin(theta);
  const double temp = (force + kPoleMassLength * (theta_dot * theta_dot) * sintheta) / kTotalMass;
  const double thetaacc = (kGravity * sintheta - costheta * temp) /
                          (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
  const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;
  x = x + kTau * x_dot;
  x_dot = x_dot + kTau * xacc;
  theta = theta + kTau * theta_dot;
  theta_dot = theta_dot + kTau * thetaacc;

  Step out;
  out.terminated = x < -kXThreshold || x > kXThreshold || theta < -kThetaThreshold || theta > kThetaThreshold;
  out.reward = 1.0;
  out.truncated = episode_.advance(max_episode_steps(), out.terminated);
  out.observation = observation();
  return out;
}

std::vector<float> CartPole::observation() const {
  return {static_cast<float>(state_[0]), static_cast<float>(state_[1]), static_cast<float>(state_[2]),
          static_cast<float>(state_[3])};
}

}  // namespace strata::rl
