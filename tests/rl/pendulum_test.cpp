// Pendulum-v1: seeding, reset distribution, clipping, the reward formula, time limit and errors.
#include "strata/rl/pendulum.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

Step step(Pendulum& env, float u) { return env.step(std::span<const float>(&u, 1)); }

TEST(Pendulum, Spaces) {
  Pendulum env;
  EXPECT_EQ(env.name(), "Pendulum-v1");
  EXPECT_EQ(env.action_space().str(), "Box(low=[-2], high=[2])");
  EXPECT_EQ(env.observation_space().high, (std::vector<float>{1, 1, 8}));
  EXPECT_EQ(env.max_episode_steps(), 200);
}

TEST(Pendulum, SeedingIsDeterministic) {
  auto a = std::make_unique<Pendulum>(), b = std::make_unique<Pendulum>(), c = std::make_unique<Pendulum>();
  const auto run = [](Pendulum& env, uint64_t seed) {
    std::vector<std::vector<float>> obs = {env.reset(seed)};
    for (int64_t t = 0; t < 200; ++t) obs.push_back(step(env, t % 7 < 3 ? 1.5f : -2.5f).observation);
    return obs;
  };
  const auto first = run(*a, 7);
  EXPECT_EQ(first, run(*b, 7));
  EXPECT_NE(first, run(*c, 8));
  EXPECT_EQ(first, run(*a, 7));
}

TEST(Pendulum, ResetDrawsTheAngleFromPlusMinusPiAndTheVelocityFromPlusMinusOne) {
  Pendulum env;
  std::vector<double> angles, velocities;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const auto obs = env.reset(seed);
    angles.push_back(env.state()[0]);
    velocities.push_back(env.state()[1]);
    EXPECT_EQ(obs, (std::vector<float>{static_cast<float>(std::cos(env.state()[0])),
                                       static_cast<float>(std::sin(env.state()[0])),
                                       static_cast<float>(env.state()[1])}));
  }
  testing::expect_within(angles, -std::numbers::pi, std::numbers::pi);
  testing::expect_within(velocities, -1, 1);
  EXPECT_LT(*std::min_element(angles.begin(), angles.end()), -3.0);
  EXPECT_GT(*std::max_element(angles.begin(), angles.end()), 3.0);
  EXPECT_LT(*std::min_element(velocities.begin(), velocities.end()), -0.95);
  EXPECT_GT(*std::max_element(velocities.begin(), velocities.end()), 0.95);
}

TEST(Pendulum, RewardIsTheNegativeCostOfTheStateBeforeTheStep) {
  Pendulum env;
  env.reset(0);
  // theta = 5 normalises to 5 - 2 pi.
  env.set_state({5.0, -3.0});
  const Step s = step(env, 7.0f);  // clipped to 2
  const double th = 5.0 - 2 * std::numbers::pi;
  EXPECT_NEAR(s.reward, -(th * th + 0.1 * 9.0 + 0.001 * 4.0), 1e-12);
  const double thdot = -3.0 + (3 * 10.0 / 2 * std::sin(5.0) + 3.0 * 2.0) * 0.05;
  EXPECT_NEAR(env.state()[1], thdot, 1e-12);
  EXPECT_NEAR(env.state()[0], 5.0 + thdot * 0.05, 1e-12);
  EXPECT_FALSE(s.terminated);
}

TEST(Pendulum, TorqueIsClippedAndSpeedLimited) {
  Pendulum a, b;
  a.reset(0);
  b.reset(0);
  a.set_state({0.3, 7.9});
  b.set_state({0.3, 7.9});
  const Step sa = step(a, 100.0f), sb = step(b, 2.0f);
  EXPECT_EQ(sa.observation, sb.observation);
  EXPECT_EQ(sa.reward, sb.reward);
  EXPECT_EQ(a.state()[1], 8.0);
}

TEST(Pendulum, NeverTerminatesAndIsTruncatedAtTwoHundredSteps) {
  Pendulum env;
  env.reset(2);
  for (int64_t t = 1; t <= 200; ++t) {
    const Step s = step(env, 2.0f);
    EXPECT_FALSE(s.terminated);
    EXPECT_EQ(s.truncated, t == 200) << "step " << t;
  }
}

TEST(Pendulum, Errors) {
  Pendulum env;
  EXPECT_ERROR_CONTAINS(step(env, 0.0f), "Pendulum-v1", "reset()");
  env.reset(0);
  EXPECT_ERROR_CONTAINS(env.step(int64_t{1}), "Pendulum-v1", "discrete action", "Box(low=[-2], high=[2])");
  const std::vector<float> two = {0.0f, 1.0f};
  EXPECT_ERROR_CONTAINS(env.step(std::span<const float>(two)), "Pendulum-v1", "2 values", "has 1");
  EXPECT_ERROR_CONTAINS(env.step(std::span<const float>()), "Pendulum-v1", "0 values");
  EXPECT_ERROR_CONTAINS(step(env, std::numeric_limits<float>::quiet_NaN()), "Pendulum-v1", "NaN");
}

}  // namespace
}  // namespace strata::rl
