#include "strata/rl/ppo.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/optim/adam.h"

namespace strata::rl {

Tensor clipped_surrogate_loss(const Tensor& ratio, const Tensor& advantages, double clip_range) {
  STRATA_CHECK(ratio.shape() == advantages.shape(),
               "clipped_surrogate_loss: ratio {} and advantages {} must have the same shape",
               ratio.shape().str(), advantages.shape().str());
  const Tensor unclipped = -advantages * ratio;
  const Tensor clipped = -advantages * ops::clamp(ratio, 1.0 - clip_range, 1.0 + clip_range);
  return ops::maximum(unclipped, clipped).mean();
}

PPO::PPO(const AgentContext& context, const PPOOptions& options)
    : OnPolicyAgent(context, options), ppo_options_(options) {
  STRATA_CHECK(options.batch_size > 0 && options.n_epochs > 0,
               "PPO: batch_size and n_epochs must be positive, got {} and {}", options.batch_size,
               options.n_epochs);
  optimizer_ = std::make_shared<optim::Adam>(policy_->parameters(),
                                             optim::AdamOptions{.lr = options.learning_rate, .eps = 1e-5});
}

std::map<std::string, double> PPO::train(double progress_remaining) {
  const PPOOptions& o = ppo_options_;
  const double clip_range = o.anneal_clip_range ? o.clip_range * progress_remaining : o.clip_range;
  const Tensor obs = buffer_.observations(), actions = buffer_.actions(), old_log_probs = buffer_.log_probs(),
               advantages = buffer_.advantages(), returns = buffer_.returns(), old_values = buffer_.values();
  const int64_t total = obs.size(0);
  const int64_t batch = std::min(o.batch_size, total);
  std::vector<int64_t> order(static_cast<size_t>(total));
  double policy_sum = 0, value_sum = 0, entropy_sum = 0, kl_sum = 0, clip_sum = 0;
  int64_t minibatches = 0;
  bool stopped = false;
  for (int64_t epoch = 0; epoch < o.n_epochs && !stopped; ++epoch) {
    std::iota(order.begin(), order.end(), int64_t{0});
    {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      std::shuffle(order.begin(), order.end(), generator_.engine());
    }
    const Tensor perm = from_vector<int64_t>(order, {total});
    for (int64_t start = 0; start < total; start += batch) {
      const Tensor idx = perm.narrow(0, start, std::min(batch, total - start));
      const Tensor mb_obs = ops::index_select(obs, 0, idx);
      const Tensor mb_actions = ops::index_select(actions, 0, idx);
      const Tensor mb_old_log_probs = ops::index_select(old_log_probs, 0, idx);
      const Tensor mb_returns = ops::index_select(returns, 0, idx);
      Tensor mb_advantages = ops::index_select(advantages, 0, idx);
      if (o.normalize_advantage && mb_advantages.numel() > 1) {
        mb_advantages = (mb_advantages - mb_advantages.mean()) / (ops::std(mb_advantages) + 1e-8);
      }
      auto [log_probs, entropy] = policy_->evaluate_actions(mb_obs, mb_actions);
      const Tensor values = policy_->value(mb_obs);
      const Tensor log_ratio = log_probs - mb_old_log_probs;
      const Tensor ratio = ops::exp(log_ratio);
      const Tensor policy_loss = clipped_surrogate_loss(ratio, mb_advantages, clip_range);
      Tensor value_loss;
      if (o.clip_range_vf) {
        const Tensor mb_old_values = ops::index_select(old_values, 0, idx);
        const Tensor clipped =
            mb_old_values + ops::clamp(values - mb_old_values, -*o.clip_range_vf, *o.clip_range_vf);
        value_loss = ops::maximum(ops::square(values - mb_returns), ops::square(clipped - mb_returns)).mean();
      } else {
        value_loss = ops::mse_loss(values, mb_returns);
      }
      const Tensor entropy_mean = entropy.mean();
      double approx_kl = 0, clip_fraction = 0;
      {
        NoGradGuard no_grad;
        // http://joschu.net/blog/kl-approx.html: E[(r - 1) - log r].
        approx_kl = ((ratio - 1.0) - log_ratio).mean().item();
        clip_fraction = ops::gt(ops::abs(ratio - 1.0), clip_range).to(kFloat32).mean().item();
      }
      if (o.target_kl && approx_kl > 1.5 * *o.target_kl) {
        stopped = true;
        break;
      }
      const Tensor loss = policy_loss + value_loss * o.vf_coef - entropy_mean * o.ent_coef;
      optimizer_->zero_grad();
      loss.backward();
      optimizer_step();
      policy_sum += policy_loss.item();
      value_sum += value_loss.item();
      entropy_sum += entropy_mean.item();
      kl_sum += approx_kl;
      clip_sum += clip_fraction;
      ++minibatches;
    }
  }
  const double m = std::max<int64_t>(minibatches, 1);
  return {{"policy_loss", policy_sum / m}, {"value_loss", value_sum / m},
          {"entropy", entropy_sum / m},    {"approx_kl", kl_sum / m},
          {"clip_fraction", clip_sum / m}, {"learning_rate", optimizer_->lr()}};
}

AlgorithmType ppo_algorithm() {
  using nn::ArgKind;
  const PPOOptions d;
  std::vector<nn::ArgSpec> specs = on_policy_specs(d);
  specs.push_back({.name = "batch_size", .kind = ArgKind::Int, .fallback = nn::ArgValue(d.batch_size)});
  specs.push_back({.name = "n_epochs", .kind = ArgKind::Int, .fallback = nn::ArgValue(d.n_epochs)});
  specs.push_back({.name = "clip_range", .kind = ArgKind::Float, .fallback = nn::ArgValue(d.clip_range)});
  specs.push_back(
      {.name = "anneal_clip_range", .kind = ArgKind::Bool, .fallback = nn::ArgValue(d.anneal_clip_range)});
  specs.push_back({.name = "clip_range_vf", .kind = ArgKind::Float, .fallback = nn::ArgValue("none")});
  specs.push_back({.name = "target_kl", .kind = ArgKind::Float, .fallback = nn::ArgValue("none")});
  return {.name = "ppo",
          .description = "Proximal Policy Optimization (clipped surrogate, GAE, minibatch epochs)",
          .options = std::move(specs),
          .create = [](const AgentContext& context, const nn::LayerArgs& a) -> std::unique_ptr<Agent> {
            PPOOptions o;
            read_on_policy_options(a, o);
            o.batch_size = a.integer("batch_size");
            if (o.batch_size <= 0)
              a.fail(fmt::format("argument 'batch_size' must be positive, got {}", o.batch_size));
            o.n_epochs = a.integer("n_epochs");
            if (o.n_epochs <= 0)
              a.fail(fmt::format("argument 'n_epochs' must be positive, got {}", o.n_epochs));
            o.clip_range = a.number("clip_range");
            if (!(o.clip_range > 0))
              a.fail(fmt::format("argument 'clip_range' must be positive, got {}", o.clip_range));
            o.anneal_clip_range = a.boolean("anneal_clip_range");
            o.clip_range_vf = a.optional_number("clip_range_vf");
            if (o.clip_range_vf && !(*o.clip_range_vf > 0))
              a.fail(fmt::format("argument 'clip_range_vf' must be positive, got {}", *o.clip_range_vf));
            o.target_kl = a.optional_number("target_kl");
            if (o.target_kl && !(*o.target_kl > 0))
              a.fail(fmt::format("argument 'target_kl' must be positive, got {}", *o.target_kl));
            return std::make_unique<PPO>(context, o);
          }};
}

}  // namespace strata::rl
