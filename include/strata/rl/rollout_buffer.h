#pragma once
// The on-policy rollout buffer of A2C / PPO / REINFORCE: n_steps transitions of each of num_envs copies,
// then returns and advantages by generalised advantage estimation, GAE(lambda) (Schulman et al. 2016).
// A truncated episode (time limit) bootstraps from the value of its final observation; a terminated one
// does not.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::rl {

class RolloutBuffer {
 public:
  // action_dim: 1 for Discrete actions (stored as i64), the Box's dimensions otherwise (f32).
  RolloutBuffer(int64_t n_steps, int64_t num_envs, int64_t observation_dim, int64_t action_dim,
                bool discrete);

  // Empties the buffer for the next rollout.
  void reset() { pos_ = 0; }
  bool full() const { return pos_ == n_steps_; }
  int64_t n_steps() const { return n_steps_; }
  int64_t num_envs() const { return num_envs_; }

  // Stores one step of every copy: the observations acted on [N, obs_dim], the actions taken ([N] i64 or
  // [N, act_dim] f32), the rewards received [N], whether each copy's episode terminated / was truncated
  // by this step [N] u8, the values V(observations) [N] and log pi(actions) [N]. For truncated copies
  // `final_values` [N] holds V(final observation) and gamma * V(final observation) is added to their reward
  // (Stable-Baselines3's bootstrap); it is not read for other copies and may be undefined when none is
  // truncated.
  void add(const Tensor& observations, const Tensor& actions, const Tensor& rewards, const Tensor& terminated,
           const Tensor& truncated, const Tensor& values, const Tensor& log_probs, const Tensor& final_values,
           double gamma);

  // GAE(lambda) from the values of the observations after the last step, last_values [N]:
  //   delta_t = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t),  A_t = delta_t + gamma lambda (1 - done_t)
  //   A_{t+1}
  // where done_t means the episode ended (terminated or truncated) at step t; returns R_t = A_t + V(s_t).
  void compute_returns_and_advantage(const Tensor& last_values, double gamma, double gae_lambda);

  // The whole buffer flattened over (step, copy), step-major: [T * N, ...].
  Tensor observations() const;
  Tensor actions() const;
  Tensor values() const;
  Tensor log_probs() const;
  Tensor advantages() const;
  Tensor returns() const;
  // The rewards as stored (truncation bootstraps included): [T * N].
  Tensor rewards() const;

 private:
  int64_t n_steps_, num_envs_, observation_dim_, action_dim_;
  bool discrete_;
  int64_t pos_ = 0;
  std::vector<float> observations_, actions_f_, rewards_, values_, log_probs_, advantages_, returns_;
  std::vector<int64_t> actions_i_;
  std::vector<uint8_t> dones_;
};

}  // namespace strata::rl
