// CartPole-v1: seeding, reset distribution, rewards, termination, time limit and errors.
#include "strata/rl/cartpole.h"

#include <cmath>
#include <numbers>

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

TEST(CartPole, Spaces) {
  CartPole env;
  EXPECT_EQ(env.name(), "CartPole-v1");
  EXPECT_EQ(env.action_space().str(), "Discrete(2)");
  ASSERT_EQ(env.observation_space().dim(), 4);
  EXPECT_FLOAT_EQ(env.observation_space().high[0], 4.8f);
  EXPECT_FLOAT_EQ(env.observation_space().high[2], static_cast<float>(24 * std::numbers::pi / 180));
  EXPECT_TRUE(std::isinf(env.observation_space().high[1]));
  EXPECT_EQ(env.max_episode_steps(), 500);
}

TEST(CartPole, SeedingIsDeterministic) {
  testing::expect_seeding_is_deterministic([] { return std::make_unique<CartPole>(); },
                                           [](int64_t t) { return (t / 3) % 2; });
}

TEST(CartPole, ResetDrawsUniformlyFromPlusMinus005) {
  CartPole env;
  std::vector<double> all;
  double lo = 1, hi = -1;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const auto obs = env.reset(seed);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(obs[i], static_cast<float>(env.state()[i]));
      all.push_back(env.state()[i]);
      lo = std::min(lo, env.state()[i]);
      hi = std::max(hi, env.state()[i]);
    }
  }
  testing::expect_within(all, -0.05, 0.05);
  // 800 draws cover the range.
  EXPECT_LT(lo, -0.049);
  EXPECT_GT(hi, 0.049);
}

TEST(CartPole, RewardOnePerStepIncludingTheTerminatingOne) {
  CartPole env;
  env.reset(3);
  double total = 0;
  int64_t steps = 0;
  for (;;) {
    const Step s = env.step(1);
    total += s.reward;
    ++steps;
    EXPECT_EQ(s.reward, 1.0);
    if (s.terminated) break;
    ASSERT_LT(steps, 500);
  }
  EXPECT_EQ(total, static_cast<double>(steps));
  EXPECT_GT(std::abs(env.state()[2]), 12 * 2 * std::numbers::pi / 360);
}

TEST(CartPole, TerminatesWhenTheCartLeavesTheTrack) {
  CartPole env;
  env.reset(0);
  env.set_state({2.39, 1.0, 0.0, 0.0});
  const Step s = env.step(1);
  EXPECT_TRUE(s.terminated);
  EXPECT_FALSE(s.truncated);
  EXPECT_NEAR(env.state()[0], 2.41, 1e-12);
}

TEST(CartPole, TruncatedAtFiveHundredSteps) {
  CartPole env;
  env.reset(0);
  for (int64_t t = 1; t <= 500; ++t) {
    env.set_state({0, 0, 0, 0});  // keeps the pole up; the step count runs on
    const Step s = env.step(t % 2);
    EXPECT_FALSE(s.terminated);
    EXPECT_EQ(s.truncated, t == 500) << "step " << t;
  }
}

TEST(CartPole, Errors) {
  CartPole env;
  EXPECT_ERROR_CONTAINS(env.step(0), "CartPole-v1", "reset()");
  env.reset(0);
  EXPECT_ERROR_CONTAINS(env.step(2), "CartPole-v1", "action 2 is out of range", "Discrete(2)");
  EXPECT_ERROR_CONTAINS(env.step(-1), "CartPole-v1", "action -1 is out of range");
  const std::vector<float> continuous = {1.0f};
  EXPECT_ERROR_CONTAINS(env.step(std::span<const float>(continuous)), "CartPole-v1", "Discrete(2)",
                        "int64_t");
  // After the episode ends, step() needs a reset().
  env.set_state({3.0, 0, 0, 0});
  EXPECT_TRUE(env.step(0).terminated);
  EXPECT_ERROR_CONTAINS(env.step(0), "CartPole-v1", "reset()");
  env.reset();
  EXPECT_NO_THROW(env.step(0));
}

}  // namespace
}  // namespace strata::rl
