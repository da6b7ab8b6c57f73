// Rollout collection and the shared policy-gradient step. Rollouts run without recording (NoGradGuard):
// each step is one actor and one critic forward over all copies at once, a sample, and the environments'
// step; the buffer copies the values into preallocated storage.
#include "strata/rl/on_policy.h"

#include <cmath>
#include <cstring>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/optim/clip.h"

namespace strata::rl {

OnPolicyAgent::OnPolicyAgent(const AgentContext& context, const OnPolicyOptions& options)
    : context_(context),
      options_(options),
      generator_(context.seed),
      policy_(context.observation_space, context.action_space, context.policy, generator_,
              options.log_std_init),
      buffer_(options.n_steps, context.num_envs, context.observation_space.dim(),
              context.action_space.is_discrete() ? 1 : context.action_space.dim(),
              context.action_space.is_discrete()),
      obs_rms_(context.observation_space.dim()),
      ret_rms_(1),
      discounted_returns_(context.num_envs, 0.0) {
  if (!context.action_space.is_discrete()) {
    const auto& space = context.action_space;
    const int64_t d = space.dim();
    action_low_ = from_vector<float>(space.low, {d});
    action_high_ = from_vector<float>(space.high, {d});
  }
}

Tensor OnPolicyAgent::normalize_observations(const Tensor& observations, bool update) {
  if (!options_.norm_obs) return observations.to(kFloat32).contiguous();
  Tensor out = observations.to(kFloat32).contiguous().clone();
  const int64_t rows = out.size(0);
  if (update) obs_rms_.update(out.data_ptr<float>(), rows);
  obs_rms_.normalize(out.data_ptr<float>(), rows, options_.clip_obs);
  return out;
}

Tensor OnPolicyAgent::clip_actions(const Tensor& actions) const {
  if (context_.action_space.is_discrete()) return actions;
  return ops::minimum(ops::maximum(actions, action_low_), action_high_);
}

void OnPolicyAgent::learn(VectorEnv& env, int64_t total_steps, const LearnCallback& on_progress) {
  STRATA_CHECK(env.num_envs() == context_.num_envs,
               "{}::learn: the agent was built for {} environment copies, the VectorEnv has {}", name(),
               context_.num_envs, env.num_envs());
  STRATA_CHECK(env.observation_space().dim() == context_.observation_space.dim() &&
                   env.action_space().is_discrete() == context_.action_space.is_discrete() &&
                   env.action_space().dim() == context_.action_space.dim() &&
                   env.action_space().n == context_.action_space.n,
               "{}::learn: the agent was built for observations {} and actions {}, {} has {} and {}", name(),
               context_.observation_space.str(), context_.action_space.str(), env.name(),
               env.observation_space().str(), env.action_space().str());
  const int64_t n = env.num_envs();
  const int64_t start_steps = steps_;
  if (env_ != &env || !observations_.defined()) {
    observations_ = env.reset();
    if (options_.norm_obs) obs_rms_.update(observations_.contiguous().data_ptr<float>(), n);
    env_ = &env;
    std::fill(discounted_returns_.begin(), discounted_returns_.end(), 0.0);
  }
  const double lr0 = options_.learning_rate;
  LearnProgress progress;
  while (steps_ < total_steps) {
    const double progress_remaining =
        1.0 - static_cast<double>(steps_ - start_steps) / static_cast<double>(total_steps - start_steps);
    if (options_.anneal_lr) optimizer_->set_lr(lr0 * progress_remaining);
    buffer_.reset();
    {
      NoGradGuard no_grad;
      Tensor obs = normalize_observations(observations_, false);
      while (!buffer_.full()) {
        const Tensor out = policy_->forward(obs);
        const Tensor values = policy_->value(obs);
        Tensor actions, log_probs;
        if (policy_->discrete) {
          const Categorical dist(out);
          actions = dist.sample(generator_);
          log_probs = dist.log_prob(actions);
        } else {
          const Normal dist(out, policy_->log_std);
          actions = dist.sample(generator_);
          log_probs = dist.log_prob(actions);
        }
        VectorStep step = env.step(clip_actions(actions));
        steps_ += n;
        progress.episode_returns.insert(progress.episode_returns.end(), step.episode_returns.begin(),
                                        step.episode_returns.end());
        progress.episode_lengths.insert(progress.episode_lengths.end(), step.episode_lengths.begin(),
                                        step.episode_lengths.end());
        Tensor rewards = step.reward.to(kFloat32).contiguous();
        const Tensor terminated = step.terminated.contiguous(), truncated = step.truncated.contiguous();
        const uint8_t* term = terminated.data_ptr<uint8_t>();
        const uint8_t* trunc = truncated.data_ptr<uint8_t>();
        if (options_.norm_reward) {
          rewards = rewards.clone();
          float* r = rewards.data_ptr<float>();
          std::vector<float> returns(n);
          for (int64_t i = 0; i < n; ++i) {
            discounted_returns_[i] = discounted_returns_[i] * options_.gamma + r[i];
            returns[i] = static_cast<float>(discounted_returns_[i]);
          }
          ret_rms_.update(returns.data(), n);
          const double scale = std::sqrt(ret_rms_.var()[0] + 1e-8);
          for (int64_t i = 0; i < n; ++i) {
            r[i] = static_cast<float>(std::clamp(r[i] / scale, -options_.clip_reward, options_.clip_reward));
            if (term[i] || trunc[i]) discounted_returns_[i] = 0;
          }
        }
        bool any_truncated = false;
        for (int64_t i = 0; i < n; ++i) any_truncated = any_truncated || (trunc[i] && !term[i]);
        Tensor final_values;
        if (any_truncated) {
          final_values = policy_->value(normalize_observations(step.final_observation, false));
        }
        buffer_.add(obs, actions, rewards, terminated, truncated, values, log_probs, final_values,
                    options_.gamma);
        observations_ = step.observation;
        obs = normalize_observations(observations_, true);
      }
      buffer_.compute_returns_and_advantage(policy_->value(obs), options_.gamma, options_.gae_lambda);
    }
    progress.losses = train(progress_remaining);
    ++updates_;
    progress.steps = steps_;
    progress.updates = updates_;
    if (on_progress) on_progress(progress);
    progress.episode_returns.clear();
    progress.episode_lengths.clear();
  }
  if (options_.anneal_lr) optimizer_->set_lr(lr0);
}

Tensor OnPolicyAgent::act(const Tensor& observations, bool deterministic) {
  STRATA_CHECK(observations.defined() && observations.dim() == 2 &&
                   observations.size(1) == context_.observation_space.dim(),
               "{}::act: observations must be [N, {}], got {}", name(), context_.observation_space.dim(),
               observations.defined() ? observations.shape().str() : std::string("an undefined tensor"));
  NoGradGuard no_grad;
  const Tensor out = policy_->forward(normalize_observations(observations, false));
  if (policy_->discrete) {
    const Categorical dist(out);
    return deterministic ? dist.mode() : dist.sample(generator_);
  }
  const Normal dist(out, policy_->log_std);
  return clip_actions(deterministic ? dist.mode().clone() : dist.sample(generator_));
}

nn::StateDict OnPolicyAgent::state_dict() const {
  nn::StateDict state = policy_->state_dict();
  if (options_.norm_obs) obs_rms_.save(state, "obs_rms");
  if (options_.norm_reward) ret_rms_.save(state, "ret_rms");
  return state;
}

void OnPolicyAgent::load_state_dict(const nn::StateDict& state) {
  nn::StateDict own;
  for (const auto& [key, value] : state) {
    if (key.rfind("obs_rms.", 0) != 0 && key.rfind("ret_rms.", 0) != 0) own[key] = value;
  }
  policy_->load_state_dict(own);
  if (options_.norm_obs) obs_rms_.load(state, "obs_rms");
  if (options_.norm_reward) ret_rms_.load(state, "ret_rms");
}

double OnPolicyAgent::optimizer_step() {
  double norm = 0;
  if (options_.max_grad_norm > 0)
    norm = optim::clip_grad_norm_(policy_->parameters(), options_.max_grad_norm);
  optimizer_->step();
  return norm;
}

std::map<std::string, double> OnPolicyAgent::policy_gradient_step() {
  const Tensor obs = buffer_.observations(), actions = buffer_.actions(), returns = buffer_.returns();
  Tensor advantages = buffer_.advantages();
  if (options_.normalize_advantage && advantages.numel() > 1) {
    advantages = (advantages - advantages.mean()) / (ops::std(advantages) + 1e-8);
  }
  auto [log_probs, entropy] = policy_->evaluate_actions(obs, actions);
  const Tensor values = policy_->value(obs);
  const Tensor policy_loss = -(advantages * log_probs).mean();
  const Tensor value_loss = ops::mse_loss(values, returns);
  const Tensor entropy_mean = entropy.mean();
  const Tensor loss = policy_loss + value_loss * options_.vf_coef - entropy_mean * options_.ent_coef;
  optimizer_->zero_grad();
  loss.backward();
  const double grad_norm = optimizer_step();
  return {{"policy_loss", policy_loss.item()},
          {"value_loss", value_loss.item()},
          {"entropy", entropy_mean.item()},
          {"grad_norm", grad_norm}};
}

}  // namespace strata::rl

namespace strata::rl {

std::vector<nn::ArgSpec> on_policy_specs(const OnPolicyOptions& d, bool lambda) {
  using nn::ArgKind;
  auto spec = [](const char* name, ArgKind kind, nn::ArgValue fallback) {
    return nn::ArgSpec{.name = name, .kind = kind, .fallback = std::move(fallback)};
  };
  std::vector<nn::ArgSpec> specs = {spec("learning_rate", ArgKind::Float, d.learning_rate),
                                    spec("n_steps", ArgKind::Int, d.n_steps),
                                    spec("gamma", ArgKind::Float, d.gamma)};
  if (lambda) specs.push_back(spec("gae_lambda", ArgKind::Float, d.gae_lambda));
  for (auto s :
       {spec("anneal_lr", ArgKind::Bool, d.anneal_lr), spec("ent_coef", ArgKind::Float, d.ent_coef),
        spec("vf_coef", ArgKind::Float, d.vf_coef), spec("max_grad_norm", ArgKind::Float, d.max_grad_norm),
        spec("normalize_advantage", ArgKind::Bool, d.normalize_advantage),
        spec("norm_obs", ArgKind::Bool, d.norm_obs), spec("norm_reward", ArgKind::Bool, d.norm_reward),
        spec("clip_obs", ArgKind::Float, d.clip_obs), spec("clip_reward", ArgKind::Float, d.clip_reward),
        spec("log_std_init", ArgKind::Float, d.log_std_init)}) {
    specs.push_back(std::move(s));
  }
  return specs;
}

void read_on_policy_options(const nn::LayerArgs& a, OnPolicyOptions& o, bool lambda) {
  auto in_range = [&](const char* name, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi))
      a.fail(fmt::format("argument '{}' must be in [{}, {}], got {}", name, lo, hi, v));
    return v;
  };
  auto positive = [&](const char* name, double v) {
    if (!(v > 0)) a.fail(fmt::format("argument '{}' must be positive, got {}", name, v));
    return v;
  };
  o.learning_rate = positive("learning_rate", a.number("learning_rate"));
  o.n_steps = static_cast<int64_t>(positive("n_steps", static_cast<double>(a.integer("n_steps"))));
  o.gamma = in_range("gamma", a.number("gamma"), 0, 1);
  if (lambda) o.gae_lambda = in_range("gae_lambda", a.number("gae_lambda"), 0, 1);
  o.anneal_lr = a.boolean("anneal_lr");
  o.ent_coef = in_range("ent_coef", a.number("ent_coef"), 0, 1e9);
  o.vf_coef = in_range("vf_coef", a.number("vf_coef"), 0, 1e9);
  o.max_grad_norm = a.number("max_grad_norm");
  o.normalize_advantage = a.boolean("normalize_advantage");
  o.norm_obs = a.boolean("norm_obs");
  o.norm_reward = a.boolean("norm_reward");
  o.clip_obs = positive("clip_obs", a.number("clip_obs"));
  o.clip_reward = positive("clip_reward", a.number("clip_reward"));
  o.log_std_init = a.number("log_std_init");
}

}  // namespace strata::rl
