#pragma once
// Experience replay for off-policy agents (DQN): a circular buffer of transitions (obs, action, reward,
// next_obs, terminated) filled from a VectorEnv's steps and sampled uniformly. Storage is preallocated at
// construction; once `buffer_size` transitions are held, each new one overwrites the oldest.
#include <cstdint>

#include "strata/core/generator.h"
#include "strata/core/tensor.h"
#include "strata/rl/env.h"
#include "strata/rl/vector_env.h"

namespace strata::rl {

// A batch of transitions, row i of each tensor belonging together (SB3's ReplayBufferSamples).
struct ReplayBufferSamples {
  Tensor observations;       // [B, obs_dim] f32
  Tensor actions;            // [B] i64 (Discrete) or [B, act_dim] f32 (Box)
  Tensor next_observations;  // [B, obs_dim] f32: the state the action led to (the final one if it ended)
  Tensor rewards;            // [B] f32
  Tensor terminated;         // [B] f32, 1 where next_observations is terminal (no bootstrap), else 0
};

class ReplayBuffer {
 public:
  // Room for `buffer_size` transitions of observations in `observation_space` (a Box) and actions in
  // `action_space`.
  ReplayBuffer(int64_t buffer_size, const Space& observation_space, const Space& action_space);

  // Stores one transition per copy of a vector step: `observations` [N, obs_dim] were seen, `actions` taken,
  // and `step` is what env.step(actions) returned. The next observation is step.final_observation (the
  // true last state where a copy's episode ended, before its autoreset) and only `terminated` stops
  // bootstrapping: a truncated episode is stored as non-terminal.
  void add(const Tensor& observations, const Tensor& actions, const VectorStep& step);
  // Stores N transitions given row by row: observations and next_observations [N, obs_dim] f32, actions
  // [N] i64 or [N, act_dim] f32, rewards [N] f32, terminated [N] (u8 or floating, nonzero = terminal).
  void add(const Tensor& observations, const Tensor& actions, const Tensor& rewards,
           const Tensor& next_observations, const Tensor& terminated);
  // `batch_size` transitions drawn uniformly with replacement from those held, using `generator`.
  ReplayBufferSamples sample(int64_t batch_size, Generator& generator) const;
  // The transitions at rows `indices` ([B] i64, each in [0, size())) of the storage.
  ReplayBufferSamples get(const Tensor& indices) const;

  // Transitions held (at most buffer_size()).
  int64_t size() const { return full_ ? buffer_size_ : pos_; }
  int64_t buffer_size() const { return buffer_size_; }
  // The row the next transition is written to.
  int64_t pos() const { return pos_; }
  // Whether the buffer has wrapped around (every row holds a transition).
  bool full() const { return full_; }

 private:
  int64_t buffer_size_;
  int64_t obs_dim_;
  bool discrete_;
  int64_t act_dim_;
  int64_t pos_ = 0;
  bool full_ = false;
  Tensor observations_, next_observations_, actions_, rewards_, terminated_;
};

}  // namespace strata::rl
