// Spaces, make_env / env_ids and the step overloads an environment does not take.
#include "strata/rl/env.h"

#include <limits>

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

TEST(Space, Discrete) {
  const Space s = Space::discrete(3);
  EXPECT_TRUE(s.is_discrete());
  EXPECT_EQ(s.n, 3);
  EXPECT_EQ(s.dim(), 1);
  EXPECT_EQ(s.str(), "Discrete(3)");
  EXPECT_ERROR_CONTAINS(Space::discrete(0), "Space::discrete", "at least 1");
}

TEST(Space, Box) {
  const float inf = std::numeric_limits<float>::infinity();
  const Space s = Space::box({-1.5f, -inf}, {2.0f, inf});
  EXPECT_FALSE(s.is_discrete());
  EXPECT_EQ(s.dim(), 2);
  EXPECT_EQ(s.str(), "Box(low=[-1.5, -inf], high=[2, inf])");
  EXPECT_ERROR_CONTAINS(Space::box({0.0f}, {1.0f, 2.0f}), "Space::box", "same", "1 and 2");
  EXPECT_ERROR_CONTAINS(Space::box({}, {}), "Space::box", "non-zero");
  EXPECT_ERROR_CONTAINS(Space::box({1.0f}, {0.0f}), "Space::box", "low[0] = 1 is above high[0] = 0");
}

TEST(MakeEnv, BuildsEveryKnownId) {
  const std::vector<std::string> expected = {"Acrobot-v1", "CartPole-v1", "GridWorld-v0", "MountainCar-v0",
                                             "Pendulum-v1"};
  EXPECT_EQ(env_ids(), expected);
  for (const auto& id : env_ids()) {
    auto env = make_env(id);
    ASSERT_NE(env, nullptr);
    EXPECT_EQ(env->name(), id);
    const auto obs = env->reset(0);
    EXPECT_EQ(static_cast<int64_t>(obs.size()), env->observation_space().dim()) << id;
    EXPECT_GT(env->max_episode_steps(), 0) << id;
  }
  EXPECT_EQ(make_env("Pendulum-v1")->action_space().str(), "Box(low=[-2], high=[2])");
  EXPECT_EQ(make_env("MountainCar-v0")->max_episode_steps(), 200);
}

TEST(MakeEnv, UnknownIdListsTheKnownOnes) {
  EXPECT_ERROR_CONTAINS(make_env("CartPole-v0"), "unknown environment id 'CartPole-v0'", "CartPole-v1",
                        "Acrobot-v1", "GridWorld-v0", "MountainCar-v0", "Pendulum-v1");
}

TEST(Env, WrongActionKindRaisesNamingTheSpace) {
  auto discrete = make_env("CartPole-v1");
  discrete->reset(0);
  const std::vector<float> u = {0.5f};
  EXPECT_ERROR_CONTAINS(discrete->step(std::span<const float>(u)), "CartPole-v1", "continuous action",
                        "Discrete(2)");
  auto continuous = make_env("Pendulum-v1");
  continuous->reset(0);
  EXPECT_ERROR_CONTAINS(continuous->step(int64_t{1}), "Pendulum-v1", "discrete action", "Box(");
}

}  // namespace
}  // namespace strata::rl
