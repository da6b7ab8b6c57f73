// DQN learns real environments within CI-sized budgets.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>

#include "strata/rl/dqn.h"
#include "test_util.h"

namespace strata::rl {
namespace {

// Mean return of `episodes` greedy episodes on copies of `id`.
double greedy_mean_return(DQN& agent, const std::string& id, int64_t episodes, uint64_t seed) {
  VectorEnv env(id, 1, seed);
  Tensor obs = env.reset();
  std::vector<double> returns;
  while (static_cast<int64_t>(returns.size()) < episodes) {
    const VectorStep step = env.step(agent.act(obs));
    returns.insert(returns.end(), step.episode_returns.begin(), step.episode_returns.end());
    obs = step.observation;
  }
  return std::accumulate(returns.begin(), returns.end(), 0.0) / static_cast<double>(returns.size());
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
  const double mean = greedy_mean_return(agent, "GridWorld-v0", 5, 0);
  std::printf("GridWorld: %zu training episodes, greedy return %.3f, %.2f s\n", returns.size(), mean,
              seconds);
  EXPECT_EQ(agent.num_timesteps(), 6000);
  EXPECT_NEAR(mean, 0.93, 1e-6);  // the 8-step shortest path
}

TEST(DQNE2E, SolvesCartPole) {
  const auto start = std::chrono::steady_clock::now();
  VectorEnv env("CartPole-v1", 1, 0);
  const uint64_t seed = std::getenv("DQN_SEED") ? std::stoull(std::getenv("DQN_SEED")) : 1;
  DQN agent(env.observation_space(), env.action_space(),
            {.net_arch = {256, 256},
             .learning_rate = 2.3e-3,
             .buffer_size = 100000,
             .target_network_frequency = 10,
             .batch_size = 64,
             .end_e = 0.04,
             .exploration_fraction = 0.16,
             .learning_starts = 1000,
             .train_frequency = 256,
             .gradient_steps = 128,
             .loss = "smooth_l1",
             .max_grad_norm = 10,
             .seed = seed});
  std::vector<double> returns;
  agent.learn(env, 50000, [&](const LearnProgress& p) {
    returns.insert(returns.end(), p.episode_returns.begin(), p.episode_returns.end());
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double mean = greedy_mean_return(agent, "CartPole-v1", 100, 1000);
  std::printf("CartPole: %zu training episodes, greedy return %.1f, %.2f s\n", returns.size(), mean, seconds);
  EXPECT_GE(mean, 475);
}

}  // namespace
}  // namespace strata::rl
