// DQN learns real environments within CI-sized budgets.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>

#include "strata/rl/dqn.h"
#include "test_util.h"

namespace strata::rl {
namespace {

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

TEST(DQNE2E, SolvesGridWorld) {
  const auto start = std::chrono::steady_clock::now();
  VectorEnv env("GridWorld-v0", 1, 0);
  DQN agent(env.observation_space(), env.action_space(),
            {.net_arch = {64},
             .learning_rate = 1e-3,
             .buffer_size = 5000,
             .target_network_frequency = 100,
             .batch_size = 64,
             .exploration_fraction = 0.3,
             .learning_starts = 500,
             .train_frequency = 1,
             .loss = "smooth_l1",
             .seed = 1});
  std::vector<double> returns;
  agent.learn(env, 6000, [&](const LearnProgress& p) {
    returns.insert(returns.end(), p.episode_returns.begin(), p.episode_returns.end());
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double greedy = mean(evaluate(agent, "GridWorld-v0", 10, 100));
  std::printf("GridWorld: %zu training episodes, greedy return %.3f, %.2f s\n", returns.size(), greedy,
              seconds);
  EXPECT_EQ(agent.num_timesteps(), 6000);
  // Early episodes wander (about -0.5: the 50-step limit); the greedy policy walks the 8-step shortest path.
  EXPECT_LT(mean(std::vector<double>(returns.begin(), returns.begin() + 10)), 0.5);
  EXPECT_NEAR(greedy, 0.93, 1e-6);
}

// A shorter budget than CleanRL's 500k steps (configs/cartpole_dqn.yaml): double DQN with Huber loss,
// gradient clipping and a faster learning rate reaches the bar in 100k steps on 9 of 10 seeds of the study in
// docs/rl.md; this run is bitwise reproducible from its seed.
TEST(DQNE2E, SolvesCartPole) {
  const auto start = std::chrono::steady_clock::now();
  VectorEnv env("CartPole-v1", 1, 3);
  DQN agent(env.observation_space(), env.action_space(),
            {.learning_rate = 1e-3,
             .batch_size = 64,
             .exploration_fraction = 0.2,
             .learning_starts = 1000,
             .train_frequency = 4,
             .double_q = true,
             .loss = "smooth_l1",
             .max_grad_norm = 10,
             .seed = 3});
  agent.learn(env, 100000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<double> returns = evaluate(agent, "CartPole-v1", 100, 1000000);
  std::printf("CartPole: greedy return %.1f over %zu episodes, %.2f s\n", mean(returns), returns.size(),
              seconds);
  EXPECT_GE(mean(returns), 475);
}

}  // namespace
}  // namespace strata::rl
