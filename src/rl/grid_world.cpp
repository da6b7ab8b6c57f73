// GridWorld-v0: a 5 x 5 deterministic maze.
#include "strata/rl/grid_world.h"

#include "rl/env_check.h"
#include "strata/core/error.h"

namespace strata::rl {
namespace {

constexpr GridWorld::State kStart = {0, 0};
constexpr GridWorld::State kGoal = {4, 4};
// Rows of the maze, '#' a wall.
constexpr const char* kMaze[GridWorld::kSize] = {".....", ".##..", "...#.", ".#...", "...#."};
// Row and column change of actions 0 left, 1 down, 2 right, 3 up.
constexpr int64_t kMoves[4][2] = {{0, -1}, {1, 0}, {0, 1}, {-1, 0}};

}  // namespace

GridWorld::GridWorld() {
  const size_t cells = static_cast<size_t>(kSize * kSize);
  observation_space_ = Space::box(std::vector<float>(cells, 0.0f), std::vector<float>(cells, 1.0f));
  action_space_ = Space::discrete(4);
}

bool GridWorld::is_wall(int64_t row, int64_t column) { return kMaze[row][column] == '#'; }

std::vector<float> GridWorld::reset(std::optional<uint64_t> /*seed*/) {
  state_ = kStart;
  episode_.begin();
  return observation();
}

void GridWorld::set_state(const State& state) {
  const auto [row, column] = state;
  STRATA_CHECK(row >= 0 && row < kSize && column >= 0 && column < kSize,
               "{}: set_state({}, {}) is off the {} x {} grid", name(), row, column, kSize, kSize);
  STRATA_CHECK(!is_wall(row, column), "{}: set_state({}, {}) is a wall", name(), row, column);
  state_ = state;
  episode_.resume();
}

Step GridWorld::step(int64_t action) {
  episode_.check_running(*this);
  detail::check_discrete_action(*this, action);
  const int64_t row = state_[0] + kMoves[action][0], column = state_[1] + kMoves[action][1];
  if (row >= 0 && row < kSize && column >= 0 && column < kSize && !is_wall(row, column))
    state_ = {row, column};

  Step out;
  out.terminated = state_ == kGoal;
  out.reward = out.terminated ? 1.0 : -0.01;
  out.truncated = episode_.advance(max_episode_steps(), out.terminated);
  out.observation = observation();
  return out;
}

std::vector<float> GridWorld::observation() const {
  std::vector<float> one_hot(static_cast<size_t>(kSize * kSize), 0.0f);
  one_hot[static_cast<size_t>(state_[0] * kSize + state_[1])] = 1.0f;
  return one_hot;
}

}  // namespace strata::rl
