// MountainCar-v0: seeding, reset distribution, the wall, the goal, time limit and errors.
#include "strata/rl/mountain_car.h"

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

TEST(MountainCar, Spaces) {
  MountainCar env;
  EXPECT_EQ(env.name(), "MountainCar-v0");
  EXPECT_EQ(env.action_space().str(), "Discrete(3)");
  EXPECT_EQ(env.observation_space().low, (std::vector<float>{-1.2f, -0.07f}));
  EXPECT_EQ(env.observation_space().high, (std::vector<float>{0.6f, 0.07f}));
  EXPECT_EQ(env.max_episode_steps(), 200);
}

TEST(MountainCar, SeedingIsDeterministic) {
  testing::expect_seeding_is_deterministic([] { return std::make_unique<MountainCar>(); },
                                           [](int64_t t) { return t % 3; });
}

TEST(MountainCar, ResetDrawsThePositionFromMinus06ToMinus04AtRest) {
  MountainCar env;
  std::vector<double> positions;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    env.reset(seed);
    positions.push_back(env.state()[0]);
    EXPECT_EQ(env.state()[1], 0.0);
  }
  testing::expect_within(positions, -0.6, -0.4);
  EXPECT_LT(*std::min_element(positions.begin(), positions.end()), -0.59);
  EXPECT_GT(*std::max_element(positions.begin(), positions.end()), -0.41);
}

TEST(MountainCar, TheLeftWallStopsTheCar) {
  MountainCar env;
  env.reset(0);
  env.set_state({-1.19, -0.05});
  const Step s = env.step(0);
  EXPECT_EQ(env.state()[0], -1.2);
  EXPECT_EQ(env.state()[1], 0.0);
  EXPECT_EQ(s.reward, -1.0);
  EXPECT_FALSE(s.terminated);
}

TEST(MountainCar, TerminatesAtTheFlag) {
  MountainCar env;
  env.reset(0);
  env.set_state({0.49, 0.03});
  const Step s = env.step(2);
  EXPECT_TRUE(s.terminated);
  EXPECT_EQ(s.reward, -1.0);
}

TEST(MountainCar, TruncatedAtTwoHundredSteps) {
  MountainCar env;
  env.reset(0);
  for (int64_t t = 1; t <= 200; ++t) {
    const Step s = env.step(1);
    EXPECT_FALSE(s.terminated);
    EXPECT_EQ(s.truncated, t == 200) << "step " << t;
  }
}

TEST(MountainCar, Errors) {
  MountainCar env;
  EXPECT_ERROR_CONTAINS(env.step(1), "MountainCar-v0", "reset()");
  env.reset(0);
  EXPECT_ERROR_CONTAINS(env.step(3), "MountainCar-v0", "action 3 is out of range", "Discrete(3)");
  const std::vector<float> continuous = {0.5f};
  EXPECT_ERROR_CONTAINS(env.step(std::span<const float>(continuous)), "MountainCar-v0", "Discrete(3)");
}

}  // namespace
}  // namespace strata::rl
