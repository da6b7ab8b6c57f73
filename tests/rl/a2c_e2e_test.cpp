// A2C learns GridWorld's shortest path (return 0.93; >= 0.9 is a path of at most 11 steps) in a few seconds.
#include <gtest/gtest.h>

#include "strata/rl/a2c.h"

namespace strata::rl {
namespace {

TEST(A2CE2E, LearnsGridWorld) {
  VectorEnv env("GridWorld-v0", 8, 0);
  auto agent = make_agent("a2c",
                          {.observation_space = env.observation_space(),
                           .action_space = env.action_space(),
                           .num_envs = 8,
                           .seed = 0},
                          {{"n_steps", 5}, {"learning_rate", 3e-3}, {"gamma", 0.99}});
  agent->learn(env, 40000);
  const std::vector<double> returns = evaluate(*agent, "GridWorld-v0", 1, 0);
  EXPECT_GE(returns[0], 0.9);
}

}  // namespace
}  // namespace strata::rl
