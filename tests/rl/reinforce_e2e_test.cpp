// REINFORCE with a baseline learns GridWorld's shortest path (return 0.93; >= 0.9 is a path of at most 11
// steps) in a few seconds.
#include <gtest/gtest.h>

#include "strata/rl/reinforce.h"

namespace strata::rl {
namespace {

TEST(ReinforceE2E, LearnsGridWorld) {
  VectorEnv env("GridWorld-v0", 4, 0);
  auto agent = make_agent("reinforce",
                          {.observation_space = env.observation_space(),
                           .action_space = env.action_space(),
                           .num_envs = 4,
                           .seed = 0},
                          {{"n_steps", 50}, {"learning_rate", 1e-2}, {"gamma", 0.99}});
  agent->learn(env, 40000);
  const std::vector<double> returns = evaluate(*agent, "GridWorld-v0", 1, 0);
  EXPECT_GE(returns[0], 0.9);
}

}  // namespace
}  // namespace strata::rl
