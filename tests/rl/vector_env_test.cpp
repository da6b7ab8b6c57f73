// VectorEnv: seeding of the copies, autoreset in the same step, final observations, episode statistics,
// and the checks on the actions tensor.
#include "strata/rl/vector_env.h"

#include "rl/env_test_util.h"
#include "strata/rl/cartpole.h"
#include "strata/rl/grid_world.h"

namespace strata::rl {
namespace {

// Row i of an [N, D] f32 tensor.
std::vector<float> row(const Tensor& t, int64_t i) {
  const auto all = t.to_vector<float>();
  const int64_t d = t.size(1);
  return {all.begin() + i * d, all.begin() + (i + 1) * d};
}

Tensor actions(std::vector<int64_t> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return from_vector(values, {n});
}

TEST(VectorEnv, CopiesAreSeededWithSeedPlusIndex) {
  VectorEnv env("CartPole-v1", 3, 10);
  EXPECT_EQ(env.num_envs(), 3);
  EXPECT_EQ(env.name(), "CartPole-v1");
  EXPECT_EQ(env.action_space().str(), "Discrete(2)");
  const Tensor obs = env.reset();
  EXPECT_EQ(obs.shape(), Shape({3, 4}));
  EXPECT_EQ(obs.dtype(), kFloat32);
  for (int64_t i = 0; i < 3; ++i) {
    CartPole single;
    EXPECT_EQ(row(obs, i), single.reset(10 + static_cast<uint64_t>(i)));
  }
  // A second reset continues the streams instead of reseeding.
  const Tensor again = env.reset();
  EXPECT_NE(again.to_vector<float>(), obs.to_vector<float>());
  // The same seed reproduces everything.
  VectorEnv twin("CartPole-v1", 3, 10);
  EXPECT_EQ(twin.reset().to_vector<float>(), obs.to_vector<float>());
}

TEST(VectorEnv, StepMatchesTheSingleEnvironments) {
  VectorEnv env("Acrobot-v1", 2, 0);
  env.reset();
  std::vector<std::unique_ptr<Env>> singles;
  for (uint64_t i = 0; i < 2; ++i) {
    singles.push_back(make_env("Acrobot-v1"));
    singles.back()->reset(i);
  }
  for (int64_t t = 0; t < 20; ++t) {
    const std::vector<int64_t> a = {t % 3, (t / 2) % 3};
    const VectorStep s = env.step(actions(a));
    EXPECT_EQ(s.reward.shape(), Shape({2}));
    EXPECT_EQ(s.reward.dtype(), kFloat32);
    EXPECT_EQ(s.terminated.dtype(), kUInt8);
    EXPECT_EQ(s.truncated.dtype(), kUInt8);
    for (int64_t i = 0; i < 2; ++i) {
      const Step one = singles[static_cast<size_t>(i)]->step(a[static_cast<size_t>(i)]);
      EXPECT_EQ(row(s.observation, i), one.observation);
      EXPECT_EQ(row(s.final_observation, i), one.observation);
      EXPECT_EQ(s.reward.to_vector<float>()[static_cast<size_t>(i)], static_cast<float>(one.reward));
    }
  }
}

TEST(VectorEnv, AutoresetsInTheSameStep) {
  // Copy 0 walks the shortest path to the goal (8 steps); copy 1 bumps into the left edge.
  VectorEnv env("GridWorld-v0", 2, 0);
  env.reset();
  const std::vector<int64_t> path = {2, 2, 2, 2, 1, 1, 1, 1};
  for (size_t t = 0; t < path.size(); ++t) {
    const VectorStep s = env.step(actions({path[t], 0}));
    const bool last = t + 1 == path.size();
    EXPECT_EQ(s.terminated.to_vector<uint8_t>(), (std::vector<uint8_t>{last, 0}));
    EXPECT_EQ(s.truncated.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0}));
    if (!last) {
      EXPECT_TRUE(s.episode_returns.empty());
      EXPECT_EQ(s.final_observation.to_vector<float>(), s.observation.to_vector<float>());
      continue;
    }
    // The observation is the new episode's first (the start cell); the goal is in final_observation.
    EXPECT_EQ(row(s.observation, 0)[0], 1.0f);
    EXPECT_EQ(row(s.final_observation, 0)[24], 1.0f);
    EXPECT_EQ(row(s.final_observation, 0)[0], 0.0f);
    EXPECT_EQ(row(s.final_observation, 1), row(s.observation, 1));
    ASSERT_EQ(s.episode_returns.size(), 1u);
    EXPECT_NEAR(s.episode_returns[0], 0.93, 1e-12);
    EXPECT_EQ(s.episode_lengths, (std::vector<int64_t>{8}));
  }
  // The reset copy steps on from the start, and its next episode is counted from zero.
  const VectorStep s = env.step(actions({2, 0}));
  EXPECT_EQ(row(s.observation, 0)[1], 1.0f);
}

TEST(VectorEnv, TruncationIsReportedAndReset) {
  VectorEnv env("GridWorld-v0", 1, 0);
  env.reset();
  for (int64_t t = 1; t <= 50; ++t) {
    const VectorStep s = env.step(actions({0}));
    EXPECT_EQ(s.truncated.to_vector<uint8_t>()[0], t == 50);
    if (t == 50) {
      EXPECT_EQ(s.episode_lengths, (std::vector<int64_t>{50}));
      EXPECT_NEAR(s.episode_returns[0], -0.5, 1e-12);
    }
  }
  // A new episode runs: no error stepping on.
  EXPECT_NO_THROW(env.step(actions({0})));
}

TEST(VectorEnv, EpisodeStatisticsOfSeveralCopiesComeInCopyOrder) {
  VectorEnv env("CartPole-v1", 4, 3);
  env.reset();
  std::vector<int64_t> lengths(4, 0);
  int64_t finished = 0;
  for (int64_t t = 0; t < 200; ++t) {
    const VectorStep s = env.step(actions({1, 1, 0, 1}));
    const auto done = s.terminated.to_vector<uint8_t>();
    std::vector<int64_t> expected;
    for (size_t i = 0; i < 4; ++i) {
      ++lengths[i];
      if (done[i]) {
        expected.push_back(lengths[i]);
        lengths[i] = 0;
      }
    }
    EXPECT_EQ(s.episode_lengths, expected);
    ASSERT_EQ(s.episode_returns.size(), expected.size());
    for (size_t k = 0; k < expected.size(); ++k)
      EXPECT_EQ(s.episode_returns[k], static_cast<double>(expected[k]));  // CartPole: +1 per step
    finished += static_cast<int64_t>(expected.size());
  }
  EXPECT_GT(finished, 10);
}

TEST(VectorEnv, ContinuousActions) {
  VectorEnv env("Pendulum-v1", 2, 5);
  EXPECT_EQ(env.reset().shape(), Shape({2, 3}));
  const VectorStep s = env.step(from_vector<float>({1.0f, -3.0f}, {2, 1}));
  EXPECT_EQ(s.observation.shape(), Shape({2, 3}));
  for (float r : s.reward.to_vector<float>()) EXPECT_LT(r, 0.0f);
}

TEST(VectorEnv, Errors) {
  EXPECT_ERROR_CONTAINS(VectorEnv("CartPole-v1", 0, 0), "num_envs must be at least 1");
  EXPECT_ERROR_CONTAINS(VectorEnv("Nope-v0", 2, 0), "unknown environment id 'Nope-v0'");
  VectorEnv discrete("CartPole-v1", 2, 0);
  EXPECT_ERROR_CONTAINS(discrete.step(actions({0, 1})), "CartPole-v1", "before reset()");
  discrete.reset();
  EXPECT_ERROR_CONTAINS(discrete.step(actions({0, 1, 1})), "CartPole-v1", "[2] i64", "[3] i64");
  EXPECT_ERROR_CONTAINS(discrete.step(from_vector<float>({0, 1}, {2})), "CartPole-v1", "[2] i64", "[2] f32");
  EXPECT_ERROR_CONTAINS(discrete.step(from_vector<int64_t>({0, 1}, {2, 1})), "[2] i64", "[2, 1] i64");
  EXPECT_ERROR_CONTAINS(discrete.step(actions({0, 2})), "CartPole-v1", "actions[1] = 2 is out of range",
                        "Discrete(2)");
  EXPECT_ERROR_CONTAINS(discrete.step(actions({-1, 0})), "actions[0] = -1 is out of range");
  EXPECT_ERROR_CONTAINS(discrete.step(Tensor()), "undefined");

  VectorEnv continuous("Pendulum-v1", 2, 0);
  continuous.reset();
  EXPECT_ERROR_CONTAINS(continuous.step(from_vector<float>({0, 1}, {2})), "Pendulum-v1", "[2, 1] f32",
                        "got [2] f32");
  EXPECT_ERROR_CONTAINS(continuous.step(from_vector<double>({0, 1}, {2, 1})), "[2, 1] f32", "[2, 1] f64");
  EXPECT_ERROR_CONTAINS(continuous.step(from_vector<float>({0, std::nanf("")}, {2, 1})), "Pendulum-v1",
                        "actions[1, 0] is NaN");
}

TEST(VectorEnv, RejectedActionsLeaveEveryCopyUntouched) {
  VectorEnv env("CartPole-v1", 2, 4), twin("CartPole-v1", 2, 4);
  env.reset();
  twin.reset();
  EXPECT_THROW(env.step(actions({1, 5})), Error);
  for (int64_t t = 0; t < 30; ++t) {
    const VectorStep a = env.step(actions({1, 0})), b = twin.step(actions({1, 0}));
    EXPECT_EQ(a.observation.to_vector<float>(), b.observation.to_vector<float>());
    EXPECT_EQ(a.episode_lengths, b.episode_lengths);
  }
}

TEST(VectorEnv, CustomMakerAndMismatchedCopies) {
  VectorEnv env([] { return std::make_unique<GridWorld>(); }, 2, 0);
  EXPECT_EQ(env.reset().shape(), Shape({2, 25}));
  int64_t calls = 0;
  const auto mixed = [&calls]() -> std::unique_ptr<Env> {
    return calls++ == 0 ? make_env("CartPole-v1") : make_env("Acrobot-v1");
  };
  EXPECT_ERROR_CONTAINS(VectorEnv(mixed, 2, 0), "copy 1 is Acrobot-v1", "copy 0 is CartPole-v1");
}

}  // namespace
}  // namespace strata::rl
