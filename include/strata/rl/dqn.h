#pragma once
// Deep Q-Network (Mnih et al. 2015) with the refinements CleanRL and Stable-Baselines3 use: an MLP Q-network,
// a target network refreshed every target_network_frequency steps (a hard copy when tau = 1, Polyak averaging
// otherwise), double DQN (van Hasselt et al. 2016) as an option, a linearly decaying epsilon-greedy
// exploration, experience replay, Huber or MSE loss, gradient-norm clipping and Adam. Discrete actions only.
// Hyperparameters carry CleanRL's names (dqn.py), with SB3's for those CleanRL lacks (gradient_steps,
// max_grad_norm, net_arch); step counts are environment steps summed over the vector env's copies.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/generator.h"
#include "strata/nn/container.h"
#include "strata/optim/adam.h"
#include "strata/rl/agent.h"
#include "strata/rl/registry.h"
#include "strata/rl/replay_buffer.h"

namespace strata::rl {

// Defaults are CleanRL's dqn.py (its CartPole-v1 setting).
struct DQNOptions {
  std::vector<int64_t> net_arch = {120, 84};  // hidden layer sizes of the Q-network
  std::string activation = "relu";            // between the hidden layers: "relu" or "tanh"
  double learning_rate = 2.5e-4;              // Adam's
  int64_t buffer_size = 10000;                // replay capacity, in transitions
  double gamma = 0.99;                        // discount factor
  double tau = 1.0;                           // target update: target = tau * online + (1 - tau) * target
  int64_t target_network_frequency = 500;     // steps between target updates
  int64_t batch_size = 128;                   // transitions per gradient step
  double start_e = 1.0;                       // epsilon at the start
  double end_e = 0.05;                        // epsilon at the end of the schedule and after
  double exploration_fraction = 0.5;          // fraction of learn()'s total_steps over which epsilon decays
  int64_t learning_starts = 10000;            // steps before the first gradient step
  int64_t train_frequency = 10;               // steps between training rounds
  int64_t gradient_steps = 1;                 // gradient steps per training round
  bool double_q = false;                      // double DQN: online argmax, target evaluation
  std::string loss = "mse";                   // "mse" or "smooth_l1" (Huber with delta 1, SB3's)
  double max_grad_norm = 0.0;                 // clip the gradients' global 2-norm to this; 0 disables
  uint64_t seed = 1;                          // seeds the networks' initialisation, exploration and sampling
};

// Throws strata::Error naming the first option that is out of range.
void validate(const DQNOptions& options);

// The one-step TD target r + gamma * (1 - terminated) * Q_target(s', a'), with a' = argmax_a Q_target(s', a)
// (vanilla), or a' = argmax_a next_q_online(s', a) when next_q_online is defined (double DQN). rewards and
// terminated [B], next_q_target and next_q_online [B, num_actions]; returns [B].
Tensor td_target(const Tensor& rewards, const Tensor& terminated, const Tensor& next_q_target,
                 const Tensor& next_q_online, double gamma);

// Epsilon at `step` of a linear schedule from start_e to end_e over `duration` steps (CleanRL's
// linear_schedule); end_e after it.
double linear_schedule(double start_e, double end_e, double duration, double step);

// The registry's entry for DQN ("dqn"): DQNOptions' fields by name; the Q-network's hidden sizes and
// activation come from the context's policy options, the seed from the context.
AlgorithmType dqn_algorithm();

class DQN : public Agent {
 public:
  // A Q-network for observations in `observation_space` (a Box) and actions in `action_space` (Discrete).
  DQN(const Space& observation_space, const Space& action_space, DQNOptions options = {});

  std::string name() const override { return "dqn"; }
  // Reports after each training round (before learning_starts: after each step that ends an episode) with
  // losses "q_loss" (the round's mean, NaN before the first gradient step) and "epsilon". A later call
  // continues on the same env from where the previous one stopped; epsilon decays over this call's
  // total_steps.
  void learn(VectorEnv& env, int64_t total_steps, const LearnCallback& on_progress = {}) override;
  // Greedy actions when deterministic, epsilon-greedy with the current epsilon otherwise; [N] i64.
  Tensor act(const Tensor& observations, bool deterministic = true) override;
  // "q_network.*" and "target_network.*".
  nn::StateDict state_dict() const override;
  // Loads "q_network.*"; "target_network.*" too when present, else the target becomes a copy of the
  // Q-network.
  void load_state_dict(const nn::StateDict& state) override;

  // Q-values of the online network, [N, num_actions] (recorded when grad mode is on).
  Tensor q_values(const Tensor& observations);
  // Q-values of the target network, [N, num_actions] (never recorded).
  Tensor target_q_values(const Tensor& observations);
  // The TD target of `batch` under the current networks (double DQN when options().double_q); [B].
  Tensor td_target(const ReplayBufferSamples& batch);
  // One gradient step on `batch`; returns the loss.
  double train_step(const ReplayBufferSamples& batch);
  // Moves the target network towards the online one (a copy when tau = 1).
  void update_target();

  const DQNOptions& options() const { return options_; }
  // Environment steps taken by learn() so far.
  int64_t num_timesteps() const { return num_timesteps_; }
  // Gradient steps taken so far.
  int64_t num_updates() const { return num_updates_; }
  // The exploration rate in force now.
  double epsilon() const { return epsilon_; }
  const ReplayBuffer& replay_buffer() const { return buffer_; }
  nn::Sequential q_network() const { return q_network_; }
  nn::Sequential target_network() const { return target_network_; }

 private:
  DQNOptions options_;
  int64_t num_actions_;
  Generator generator_;
  nn::Sequential q_network_, target_network_;
  std::unique_ptr<optim::Adam> optimizer_;
  ReplayBuffer buffer_;
  int64_t num_timesteps_ = 0, num_updates_ = 0, num_vector_steps_ = 0;
  double epsilon_;
  Tensor last_observation_;  // the vector env's current observation between learn() calls
};

}  // namespace strata::rl
