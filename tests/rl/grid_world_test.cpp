// GridWorld-v0: layout, moves, walls, the goal, time limit and errors.
#include "strata/rl/grid_world.h"

#include "rl/env_test_util.h"

namespace strata::rl {
namespace {

// Index of the one-hot observation's 1.
int64_t cell(const std::vector<float>& obs) {
  int64_t found = -1;
  for (size_t i = 0; i < obs.size(); ++i) {
    if (obs[i] == 1.0f) {
      EXPECT_EQ(found, -1) << "two ones";
      found = static_cast<int64_t>(i);
    } else {
      EXPECT_EQ(obs[i], 0.0f);
    }
  }
  return found;
}

enum Move : int64_t { kLeft = 0, kDown = 1, kRight = 2, kUp = 3 };

TEST(GridWorld, Spaces) {
  GridWorld env;
  EXPECT_EQ(env.name(), "GridWorld-v0");
  EXPECT_EQ(env.action_space().str(), "Discrete(4)");
  EXPECT_EQ(env.observation_space().dim(), 25);
  EXPECT_EQ(env.max_episode_steps(), 50);
}

TEST(GridWorld, ResetStartsTopLeftWhateverTheSeed) {
  GridWorld env;
  for (uint64_t seed : {0, 1, 99}) {
    EXPECT_EQ(cell(env.reset(seed)), 0);
    EXPECT_EQ(env.state(), (GridWorld::State{0, 0}));
  }
  EXPECT_EQ(cell(env.reset()), 0);
}

TEST(GridWorld, ShortestPathReachesTheGoalWithReturn093) {
  GridWorld env;
  env.reset(0);
  const std::vector<int64_t> path = {kRight, kRight, kRight, kRight, kDown, kDown, kDown, kDown};
  double total = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    const Step s = env.step(path[i]);
    total += s.reward;
    EXPECT_EQ(s.terminated, i + 1 == path.size());
    EXPECT_EQ(s.reward, i + 1 == path.size() ? 1.0 : -0.01);
  }
  EXPECT_EQ(env.state(), (GridWorld::State{4, 4}));
  EXPECT_NEAR(total, 0.93, 1e-12);
}

TEST(GridWorld, WallsAndEdgesBlockMoves) {
  GridWorld env;
  env.reset(0);
  EXPECT_EQ(cell(env.step(kUp).observation), 0);    // off the top
  EXPECT_EQ(cell(env.step(kLeft).observation), 0);  // off the left
  EXPECT_EQ(cell(env.step(kDown).observation), 5);  // (1, 0)
  EXPECT_TRUE(GridWorld::is_wall(1, 1));
  EXPECT_EQ(cell(env.step(kRight).observation), 5);  // into the wall at (1, 1)
  EXPECT_FALSE(GridWorld::is_wall(0, 0));
  EXPECT_FALSE(GridWorld::is_wall(4, 4));
}

TEST(GridWorld, TruncatedAtFiftySteps) {
  GridWorld env;
  env.reset(0);
  for (int64_t t = 1; t <= 50; ++t) {
    const Step s = env.step(kLeft);
    EXPECT_FALSE(s.terminated);
    EXPECT_EQ(s.truncated, t == 50);
  }
}

TEST(GridWorld, Errors) {
  GridWorld env;
  EXPECT_ERROR_CONTAINS(env.step(kLeft), "GridWorld-v0", "reset()");
  env.reset(0);
  EXPECT_ERROR_CONTAINS(env.step(4), "GridWorld-v0", "action 4 is out of range", "Discrete(4)");
  EXPECT_ERROR_CONTAINS(env.set_state({1, 1}), "GridWorld-v0", "wall");
  EXPECT_ERROR_CONTAINS(env.set_state({5, 0}), "GridWorld-v0", "off the 5 x 5 grid");
}

}  // namespace
}  // namespace strata::rl
