#pragma once
// GridWorld-v0: a small deterministic maze for fast algorithm tests. The 5 x 5 grid (row 0 at the top)
//
//   S . . . .
//   . # # . .
//   . . . # .
//   . # . . .
//   . . . # G
//
// starts at S (row 0, column 0); the goal G is at (4, 4); '#' are walls. Actions (as Gymnasium's
// FrozenLake): 0 left, 1 down, 2 right, 3 up; a move into a wall or off the grid stays put. Observation: the
// one-hot position, 25 floats (index row * 5 + column). Reward +1 on reaching the goal (terminated), -0.01
// for every other step; truncated after 50 steps. The shortest path takes 8 steps, so the best return is
// 0.93. reset() always starts at S: the seed is accepted and ignored (nothing is random).
#include <array>
#include <cstdint>

#include "strata/rl/env.h"
#include "strata/rl/episode_clock.h"

namespace strata::rl {

class GridWorld : public Env {
 public:
  // row, column.
  using State = std::array<int64_t, 2>;
  static constexpr int64_t kSize = 5;

  GridWorld();
  std::string name() const override { return "GridWorld-v0"; }
  const Space& observation_space() const override { return observation_space_; }
  const Space& action_space() const override { return action_space_; }
  int64_t max_episode_steps() const override { return 50; }
  std::vector<float> reset(std::optional<uint64_t> seed = std::nullopt) override;
  Step step(int64_t action) override;
  using Env::step;

  // Whether (row, column) is a wall.
  static bool is_wall(int64_t row, int64_t column);
  // The agent's cell.
  const State& state() const { return state_; }
  // Moves the agent to a free cell; the episode runs on from it (its step count unchanged).
  void set_state(const State& state);

 private:
  std::vector<float> observation() const;

  Space observation_space_, action_space_;
  State state_{};
  EpisodeClock episode_;
};

}  // namespace strata::rl
