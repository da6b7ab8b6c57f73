// PPO learns CartPole-v1 with the Stable-Baselines3 zoo's hyperparameters and budget (100k steps), and
// REINFORCE / A2C learn GridWorld in seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <numeric>

#include "strata/rl/ppo.h"
#include "strata/rl/registry.h"

namespace strata::rl {
namespace {

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }

TEST(PPOE2E, SolvesCartPoleWithinTheZooBudget) {
  VectorEnv env("CartPole-v1", 8, 0);
  auto agent = make_agent("ppo",
                          {.observation_space = env.observation_space(),
                           .action_space = env.action_space(),
                           .num_envs = 8,
                           .seed = 0},
                          {{"n_steps", 32},
                           {"batch_size", 256},
                           {"gae_lambda", 0.8},
                           {"gamma", 0.98},
                           {"n_epochs", 20},
                           {"ent_coef", 0.0},
                           {"learning_rate", 1e-3},
                           {"anneal_lr", true},
                           {"clip_range", 0.2},
                           {"anneal_clip_range", true}});
  const auto start = std::chrono::steady_clock::now();
  agent->learn(env, 100000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<double> returns = evaluate(*agent, "CartPole-v1", 100, 1000);
  std::cout << "PPO CartPole-v1: 100k steps in " << seconds << " s, evaluation mean " << mean(returns)
            << std::endl;
  EXPECT_GE(mean(returns), 475.0);
}

}  // namespace
}  // namespace strata::rl
