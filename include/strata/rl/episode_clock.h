#pragma once
// An environment's episode bookkeeping: whether an episode is running (reset() before step(), no step after
// the episode ended) and its step count against the time limit (Gymnasium's TimeLimit).
#include <cstdint>

namespace strata::rl {

class Env;

class EpisodeClock {
 public:
  // A new episode starts (reset()).
  void begin() {
    running_ = true;
    elapsed_ = 0;
  }
  // The state was set by hand: the episode runs on, its step count unchanged.
  void resume() { running_ = true; }
  // Raises strata::Error naming `env` unless a step may be taken now.
  void check_running(const Env& env) const;
  // Counts one step; returns whether the time limit (0: none) truncates the episode. The episode ends when
  // it terminated or was truncated.
  bool advance(int64_t max_episode_steps, bool terminated) {
    ++elapsed_;
    const bool truncated = max_episode_steps > 0 && elapsed_ >= max_episode_steps;
    if (terminated || truncated) running_ = false;
    return truncated;
  }
  // Whether an episode is running.
  bool running() const { return running_; }
  // Steps taken in this episode.
  int64_t elapsed() const { return elapsed_; }

 private:
  bool running_ = false;
  int64_t elapsed_ = 0;
};

}  // namespace strata::rl
