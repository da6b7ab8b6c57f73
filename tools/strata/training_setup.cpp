#include "training_setup.h"

#include <fmt/ranges.h>

#include "strata/core/glob.h"
#include "strata/metrics/registry.h"
#include "strata/nn/loss_registry.h"
#include "strata/ops/indexing.h"
#include "strata/optim.h"
#include "strata/optim/registry.h"
#include "strata/train/callback.h"

namespace strata::cli {

bool higher_is_better(const std::string& monitor) {
  const std::string bare = monitor.rfind("val_", 0) == 0 ? monitor.substr(4) : monitor;
  if (bare == "loss") return false;
  if (bare == "accuracy") return true;
  return metrics::higher_is_better(bare);
}

nn::ArgMap scheduler_options(const SchedulerConfig& s) {
  nn::ArgMap options = s.options;
  if (s.name == "onecycle") options["max_lr"] = nn::ArgValue(s.max_lr);
  if (optim::scheduler_type(s.name).needs_metric) options["mode"] = higher_is_better(s.monitor) ? "max" : "min";
  return options;
}

train::LossFn make_loss(const Config& c) {
  std::shared_ptr<nn::LossImpl> loss = nn::create_loss(c.loss.name, c.loss.options);
  if (c.loss.name == "cross_entropy" || c.loss.name == "nll") {
    return [loss](const Tensor& output, const Tensor& target) { return loss->forward(output, target); };
  }
  // Regression losses (and binary cross-entropy) compare the outputs with one-hot targets.
  return [loss](const Tensor& output, const Tensor& target) {
    if (target.dtype() != kInt64 || output.dim() != 2) return loss->forward(output, target);
    return loss->forward(output, ops::one_hot(target, output.size(1)).to(output.dtype()));
  };
}

namespace {

// The config's optimiser (optim::create_optimizer) with one group per parameter list, each at its rate.
std::shared_ptr<optim::Optimizer> make_grouped_optimizer(const Config& c,
                                                         const std::vector<std::vector<Tensor>>& params,
                                                         const std::vector<double>& lrs) {
  std::vector<optim::RatedParams> groups;
  for (size_t i = 0; i < params.size(); ++i) groups.push_back({.params = params[i], .lr = lrs[i]});
  nn::ArgMap options = c.optimizer.options;
  options["lr"] = nn::ArgValue(c.optimizer.lr);
  return optim::create_optimizer(c.optimizer.name, std::move(groups), options);
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
  if (s.name.empty()) return;
  const optim::SchedulerType& type = optim::scheduler_type(s.name);
  std::shared_ptr<optim::LRScheduler> sched = optim::create_scheduler(
      s.name, trainer.optimizer(), {.total_steps = steps_per_epoch * c.training.epochs}, scheduler_options(s));
  // Per-epoch schedules are stepped by the Trainer; per-batch and metric-driven ones by a callback.
  if (type.per_batch || type.needs_metric) {
    callbacks.push_back(std::make_shared<train::LRSchedulerStep>(sched, type.per_batch, s.monitor));
  }
  trainer.set_scheduler(sched);
}

}  // namespace strata::cli
