#pragma once
// What REINFORCE, A2C and PPO share (Stable-Baselines3's OnPolicyAlgorithm): an actor-critic policy,
// rollouts of n_steps on every copy of a VectorEnv collected without recording a graph, GAE(lambda)
// returns, optional running normalisation of observations and scaling of rewards (SB3's VecNormalize), and
// acting with a saved policy. Subclasses implement one update from a full rollout buffer.
#include <map>
#include <memory>
#include <string>

#include "strata/core/generator.h"
#include "strata/optim/optimizer.h"
#include "strata/rl/actor_critic.h"
#include "strata/rl/agent.h"
#include "strata/rl/registry.h"
#include "strata/rl/rollout_buffer.h"
#include "strata/rl/running_mean_std.h"

namespace strata::rl {

struct OnPolicyOptions {
  int64_t n_steps = 2048;  // steps per copy in each rollout
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double learning_rate = 3e-4;
  bool anneal_lr = false;  // decay the rate linearly to 0 over the learn() call's steps
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;  // <= 0: no clipping
  bool normalize_advantage = true;
  bool norm_obs = false;     // running observation normalisation
  bool norm_reward = false;  // rewards divided by the running std of the discounted return
  double clip_obs = 10.0;
  double clip_reward = 10.0;
  double log_std_init = 0.0;  // Box actions: the initial log standard deviation
};

// The registry's declarations of OnPolicyOptions' fields (defaults from `defaults`); `lambda` false leaves
// out gae_lambda (REINFORCE's returns are Monte-Carlo).
std::vector<nn::ArgSpec> on_policy_specs(const OnPolicyOptions& defaults, bool lambda = true);
// Reads what on_policy_specs declared into `options`; throws naming the algorithm and the field for a
// value out of range.
void read_on_policy_options(const nn::LayerArgs& args, OnPolicyOptions& options, bool lambda = true);

class OnPolicyAgent : public Agent {
 public:
  OnPolicyAgent(const AgentContext& context, const OnPolicyOptions& options);
  void learn(VectorEnv& env, int64_t total_steps, const LearnCallback& on_progress = {}) override;
  Tensor act(const Tensor& observations, bool deterministic = true) override;
  // The policy's parameters (actor.*, critic.*, log_std) and, when enabled, obs_rms.* / ret_rms.*.
  nn::StateDict state_dict() const override;
  void load_state_dict(const nn::StateDict& state) override;
  ActorCritic& policy() { return policy_; }
  const OnPolicyOptions& options() const { return options_; }
  int64_t num_steps() const { return steps_; }

 protected:
  // One update from the full buffer (returns and advantages computed); `progress_remaining` goes from 1
  // at the start of learn() to 0 at its end. Returns the losses to report.
  virtual std::map<std::string, double> train(double progress_remaining) = 0;
  // The policy-gradient step of REINFORCE and A2C: one gradient step on the whole buffer with
  // loss = -mean(A log pi) + vf_coef * mse(V, R) - ent_coef * mean(entropy).
  std::map<std::string, double> policy_gradient_step();
  // Clips the gradients (max_grad_norm) and steps the optimiser; returns the norm before clipping.
  double optimizer_step();

  AgentContext context_;
  OnPolicyOptions options_;
  Generator generator_;
  ActorCritic policy_;
  RolloutBuffer buffer_;
  std::shared_ptr<optim::Optimizer> optimizer_;  // set by the subclass's constructor

 private:
  // Observations normalised with the running statistics (a copy; `update` folds them in first).
  Tensor normalize_observations(const Tensor& observations, bool update);
  // Box actions clipped to the action space.
  Tensor clip_actions(const Tensor& actions) const;

  int64_t steps_ = 0, updates_ = 0;
  const VectorEnv* env_ = nullptr;  // the env the current observations came from
  Tensor observations_;             // raw, [N, obs_dim]
  RunningMeanStd obs_rms_, ret_rms_;
  std::vector<double> discounted_returns_;
  Tensor action_low_, action_high_;
};

}  // namespace strata::rl
