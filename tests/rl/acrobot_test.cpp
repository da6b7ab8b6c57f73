// Acrobot-v1: seeding, reset distribution, observation layout, rewards, termination, time limit and errors.
#include "strata/rl/acrobot.h"

#include <cmath>
#include <numbers>

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

TEST(Acrobot, Spaces) {
  Acrobot env;
  EXPECT_EQ(env.name(), "Acrobot-v1");
  EXPECT_EQ(env.action_space().str(), "Discrete(3)");
  ASSERT_EQ(env.observation_space().dim(), 6);
  EXPECT_FLOAT_EQ(env.observation_space().high[4], static_cast<float>(4 * std::numbers::pi));
  EXPECT_FLOAT_EQ(env.observation_space().high[5], static_cast<float>(9 * std::numbers::pi));
  EXPECT_EQ(env.max_episode_steps(), 500);
}

TEST(Acrobot, SeedingIsDeterministic) {
  testing::expect_seeding_is_deterministic([] { return std::make_unique<Acrobot>(); },
                                           [](int64_t t) { return (t / 4) % 3; });
}

TEST(Acrobot, ResetDrawsFloatsFromPlusMinus01) {
  Acrobot env;
  std::vector<double> all;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const auto obs = env.reset(seed);
    const auto& s = env.state();
    for (double v : s) EXPECT_EQ(v, static_cast<double>(static_cast<float>(v)));  // rounded to float
    all.insert(all.end(), s.begin(), s.end());
    EXPECT_EQ(obs, (std::vector<float>{static_cast<float>(std::cos(s[0])), static_cast<float>(std::sin(s[0])),
                                       static_cast<float>(std::cos(s[1])), static_cast<float>(std::sin(s[1])),
                                       static_cast<float>(s[2]), static_cast<float>(s[3])}));
  }
  testing::expect_within(all, -0.1, 0.1);
  EXPECT_LT(*std::min_element(all.begin(), all.end()), -0.099);
  EXPECT_GT(*std::max_element(all.begin(), all.end()), 0.099);
}

TEST(Acrobot, RewardZeroOnlyOnTheTerminatingStep) {
  Acrobot env;
  env.reset(0);
  // Upside down with both links up: the tip is 2 above the pivot.
  env.set_state({std::numbers::pi, 0, 0, 0});
  const Step up = env.step(1);
  EXPECT_TRUE(up.terminated);
  EXPECT_EQ(up.reward, 0.0);
  env.reset(0);
  const Step down = env.step(1);
  EXPECT_FALSE(down.terminated);
  EXPECT_EQ(down.reward, -1.0);
}

TEST(Acrobot, AnglesWrapAndVelocitiesAreBounded) {
  Acrobot env;
  env.reset(0);
  env.set_state({3.1, -3.1, 12.0, -28.0});
  for (int64_t t = 0; t < 5; ++t) {
    const Step s = env.step(t % 3);
    const auto& st = env.state();
    EXPECT_LE(std::abs(st[0]), std::numbers::pi);
    EXPECT_LE(std::abs(st[1]), std::numbers::pi);
    EXPECT_LE(std::abs(st[2]), 4 * std::numbers::pi);
    EXPECT_LE(std::abs(st[3]), 9 * std::numbers::pi);
    if (s.terminated) break;
  }
}

TEST(Acrobot, TruncatedAtFiveHundredSteps) {
  Acrobot env;
  env.reset(1);
  for (int64_t t = 1; t <= 500; ++t) {
    const Step s = env.step(1);  // no torque: it never swings up
    EXPECT_FALSE(s.terminated);
    EXPECT_EQ(s.truncated, t == 500) << "step " << t;
  }
}

TEST(Acrobot, Errors) {
  Acrobot env;
  EXPECT_ERROR_CONTAINS(env.step(0), "Acrobot-v1", "reset()");
  env.reset(0);
  EXPECT_ERROR_CONTAINS(env.step(3), "Acrobot-v1", "action 3 is out of range");
  const std::vector<float> continuous = {0.0f};
  EXPECT_ERROR_CONTAINS(env.step(std::span<const float>(continuous)), "Acrobot-v1", "Discrete(3)");
}

}  // namespace
}  // namespace strata::rl
