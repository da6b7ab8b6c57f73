#include "training_setup.h"

#include <fmt/ranges.h>

#include "strata/core/glob.h"
#include "strata/metrics/registry.h"
#include "strata/nn/loss.h"
#include "strata/ops/indexing.h"
#include "strata/optim.h"
#include "strata/train/callback.h"

namespace strata::cli {

bool higher_is_better(const std::string& monitor) {
  const std::string bare = monitor.rfind("val_", 0) == 0 ? monitor.substr(4) : monitor;
  if (bare == "loss") return false;
  if (bare == "accuracy") return true;
  return metrics::higher_is_better(bare);
}

train::LossFn make_loss(const Config& c) {
  const std::string& n = c.loss.name;
  if (n == "cross_entropy") return nn::CrossEntropyLoss({.label_smoothing = c.loss.label_smoothing});
  if (n == "nll") return nn::NLLLoss();
  // Regression losses compare the outputs with one-hot targets.
  train::LossFn loss;
  if (n == "mse") loss = nn::MSELoss();
  if (n == "l1") loss = nn::L1Loss();
  if (n == "smooth_l1") loss = nn::SmoothL1Loss();
  if (n == "huber") loss = nn::HuberLoss();
  return [loss](const Tensor& output, const Tensor& target) {
    if (target.dtype() != kInt64 || output.dim() != 2) return loss(output, target);
    return loss(output, ops::one_hot(target, output.size(1)).to(output.dtype()));
  };
}

namespace {

// One group per parameter list, each with the config's options at its own learning rate.
template <typename Opt, typename Options>
std::shared_ptr<optim::Optimizer> grouped(const std::vector<std::vector<Tensor>>& params,
                                          const std::vector<double>& lrs, Options options) {
  std::vector<optim::ParamGroup<Options>> groups;
  for (size_t i = 0; i < params.size(); ++i) {
    options.lr = lrs[i];
    groups.push_back({params[i], options});
  }
  return std::make_shared<Opt>(std::move(groups));
}

std::shared_ptr<optim::Optimizer> make_grouped_optimizer(const Config& c,
                                                         const std::vector<std::vector<Tensor>>& params,
                                                         const std::vector<double>& lrs) {
  const OptimizerConfig& o = c.optimizer;
  if (o.name == "sgd") {
    return grouped<optim::SGD>(params, lrs,
                               optim::SGDOptions{.momentum = o.momentum,
                                                 .dampening = o.dampening,
                                                 .weight_decay = o.weight_decay,
                                                 .nesterov = o.nesterov});
  }
  if (o.name == "adam" || o.name == "adamw") {
    optim::AdamOptions opts{.betas = o.betas, .weight_decay = o.weight_decay, .amsgrad = o.amsgrad};
    if (o.eps) opts.eps = *o.eps;
    if (o.name == "adam") return grouped<optim::Adam>(params, lrs, opts);
    return grouped<optim::AdamW>(params, lrs, opts);
  }
  if (o.name == "rmsprop") {
    optim::RMSpropOptions opts{
        .alpha = o.alpha, .weight_decay = o.weight_decay, .momentum = o.momentum, .centered = o.centered};
    if (o.eps) opts.eps = *o.eps;
    return grouped<optim::RMSprop>(params, lrs, opts);
  }
  optim::AdagradOptions opts{.lr_decay = o.lr_decay, .weight_decay = o.weight_decay};
  if (o.eps) opts.eps = *o.eps;
  return grouped<optim::Adagrad>(params, lrs, opts);
}

}  // namespace

std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const std::vector<Tensor>& params) {
  return make_grouped_optimizer(c, {params}, {c.optimizer.lr});
}

std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const nn::Module& model) {
  // Frozen parameters stay in: optimisers skip them while frozen, and freeze.unfreeze_at_epoch makes them
  // train later at their group's rate.
  const auto& entries = c.optimizer.param_groups;
  // Each parameter goes to the first entry that matches it; an entry left empty is reported at its line.
  std::vector<int64_t> taken(entries.size(), 0);
  bool rest = false;  // parameters no entry matches train at optimizer.lr
  for (const auto& [name, p] : model.named_parameters()) {
    size_t g = 0;
    while (g < entries.size() && !glob_match(entries[g].params, name)) ++g;
    if (g < entries.size()) {
      ++taken[g];
    } else {
      rest = true;
    }
  }
  for (size_t g = 0; g < entries.size(); ++g) {
    if (taken[g] > 0) continue;
    if (!model.parameter_names(entries[g].params).empty()) {
      STRATA_FAIL("{}: optimizer.param_groups: every parameter that pattern '{}' matches is taken by an earlier entry",
                  entries[g].where, entries[g].params);
    }
    STRATA_FAIL("{}: optimizer.param_groups: pattern '{}' matches no parameter of the model (its parameters: {})",
                entries[g].where, entries[g].params, fmt::join(model.parameter_names(), ", "));
  }
  std::vector<optim::PatternGroup<double>> patterns;
  for (const auto& g : entries) patterns.push_back({g.params, g.lr});
  if (rest) patterns.push_back({"*", c.optimizer.lr});
  std::vector<std::vector<Tensor>> params;
  std::vector<double> lrs;
  for (auto& g : optim::param_groups<double>(model, patterns, /*include_frozen=*/true)) {
    params.push_back(std::move(g.params));
    lrs.push_back(g.options);
  }
  return make_grouped_optimizer(c, params, lrs);
}

// Sets the scheduler on the trainer (so checkpoints hold it). Step, multistep and exponential step per
// epoch (the Trainer does it); cosine and onecycle per batch and plateau per epoch with a metric (a
// callback does it).
void attach_scheduler(const Config& c, train::Trainer& trainer, int64_t steps_per_epoch,
                      std::vector<std::shared_ptr<train::Callback>>& callbacks) {
  const SchedulerConfig& s = c.scheduler;
  optim::Optimizer& opt = trainer.optimizer();
  const int64_t total_steps = steps_per_epoch * c.training.epochs;
  std::shared_ptr<optim::LRScheduler> sched;
  if (s.name == "step") sched = std::make_shared<optim::StepLR>(opt, s.step_size, s.gamma);
  if (s.name == "multistep") sched = std::make_shared<optim::MultiStepLR>(opt, s.milestones, s.gamma);
  if (s.name == "exponential") sched = std::make_shared<optim::ExponentialLR>(opt, s.gamma);
  if (s.name == "cosine") {
    sched = std::make_shared<optim::CosineAnnealingLR>(opt, total_steps, s.eta_min);
    callbacks.push_back(std::make_shared<train::LRSchedulerStep>(sched, /*per_batch=*/true));
  }
  if (s.name == "onecycle") {
    sched = std::make_shared<optim::OneCycleLR>(opt, s.max_lr, total_steps,
                                                optim::OneCycleOptions{.pct_start = s.pct_start,
                                                                       .div_factor = s.div_factor,
                                                                       .final_div_factor = s.final_div_factor,
                                                                       .cos_anneal = s.anneal == "cos"});
    callbacks.push_back(std::make_shared<train::LRSchedulerStep>(sched, /*per_batch=*/true));
  }
  if (s.name == "plateau") {
    const bool mode_max = higher_is_better(s.monitor);
    sched = std::make_shared<optim::ReduceLROnPlateau>(opt, optim::PlateauOptions{.mode_max = mode_max,
                                                                                  .factor = s.factor,
                                                                                  .patience = s.patience,
                                                                                  .threshold = s.threshold,
                                                                                  .cooldown = s.cooldown,
                                                                                  .min_lr = s.min_lr});
    callbacks.push_back(std::make_shared<train::LRSchedulerStep>(sched, /*per_batch=*/false, s.monitor));
  }
  if (sched) trainer.set_scheduler(sched);
}

}  // namespace strata::cli
