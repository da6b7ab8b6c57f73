// Acrobot-v1: the "book" equations of motion integrated with one classical Runge-Kutta step per action.
#include "strata/rl/acrobot.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "rl/env_check.h"

namespace strata::rl {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDt = 0.2;
constexpr double kLinkLength1 = 1.0;
constexpr double kLinkMass1 = 1.0;
constexpr double kLinkMass2 = 1.0;
constexpr double kLinkComPos1 = 0.5;
constexpr double kLinkComPos2 = 0.5;
constexpr double kLinkMoi = 1.0;
constexpr double kMaxVel1 = 4 * kPi;
constexpr double kMaxVel2 = 9 * kPi;
constexpr double kTorques[3] = {-1.0, 0.0, 1.0};

using Vec = std::array<double, 4>;

// d(theta1, theta2, theta1_dot, theta2_dot)/dt under torque `a` on the second joint.
Vec dsdt(const Vec& s, double a) {
  const double m1 = kLinkMass1, m2 = kLinkMass2, l1 = kLinkLength1, lc1 = kLinkComPos1, lc2 = kLinkComPos2;
  const double i1 = kLinkMoi, i2 = kLinkMoi, g = 9.8;
  const double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
  const double d1 =
      m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * std::cos(theta2)) + i1 + i2;
  const double d2 = m2 * ((lc2 * lc2) + l1 * lc2 * std::cos(theta2)) + i2;
  const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - kPi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * std::sin(theta2) -
                      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * std::sin(theta2) +
                      (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - kPi / 2) + phi2;
  const double ddtheta2 =
      (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * std::sin(theta2) - phi2) /
      (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1);
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return {dtheta1, dtheta2, ddtheta1, ddtheta2};
}

// y + h * k, elementwise.
Vec axpy(const Vec& y, double h, const Vec& k) {
  return {y[0] + h * k[0], y[1] + h * k[1], y[2] + h * k[2], y[3] + h * k[3]};
}

// x shifted by whole periods (M - m) into [m, M].
double wrap(double x, double m, double big_m) {
  const double diff = big_m - m;
  while (x > big_m) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

}  // namespace

Acrobot::Acrobot() {
  const float v1 = static_cast<float>(kMaxVel1), v2 = static_cast<float>(kMaxVel2);
  observation_space_ = Space::box({-1, -1, -1, -1, -v1, -v2}, {1, 1, 1, 1, v1, v2});
  action_space_ = Space::discrete(3);
}

std::vector<float> Acrobot::reset(std::optional<uint64_t> seed) {
  if (seed) generator_.manual_seed(*seed);
  for (double& v : state_)
    v = static_cast<double>(static_cast<float>(detail::uniform(generator_, -0.1, 0.1)));
  episode_.begin();
  return observation();
}

void Acrobot::set_state(const State& state) {
  state_ = state;
  episode_.resume();
}

Step Acrobot::step(int64_t action) {
  episode_.check_running(*this);
  detail::check_discrete_action(*this, action);
  const double torque = kTorques[action];
  // One RK4 step over [0, dt]; the torque is held constant.
  const double dt = kDt, dt2 = dt / 2.0;
  const Vec& y0 = state_;
  const Vec k1 = dsdt(y0, torque);
  const Vec k2 = dsdt(axpy(y0, dt2, k1), torque);
  const Vec k3 = dsdt(axpy(y0, dt2, k2), torque);
  const Vec k4 = dsdt(axpy(y0, dt, k3), torque);
  Vec ns;
  for (size_t i = 0; i < 4; ++i) ns[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  ns[0] = wrap(ns[0], -kPi, kPi);
  ns[1] = wrap(ns[1], -kPi, kPi);
  ns[2] = std::min(std::max(ns[2], -kMaxVel1), kMaxVel1);
  ns[3] = std::min(std::max(ns[3], -kMaxVel2), kMaxVel2);
  state_ = ns;

  Step out;
  out.terminated = -std::cos(state_[0]) - std::cos(state_[1] + state_[0]) > 1.0;
  out.reward = out.terminated ? 0.0 : -1.0;
  out.truncated = episode_.advance(max_episode_steps(), out.terminated);
  out.observation = observation();
  return out;
}

std::vector<float> Acrobot::observation() const {
  const State& s = state_;
  return {static_cast<float>(std::cos(s[0])), static_cast<float>(std::sin(s[0])),
          static_cast<float>(std::cos(s[1])), static_cast<float>(std::sin(s[1])),
          static_cast<float>(s[2]),           static_cast<float>(s[3])};
}

}  // namespace strata::rl
