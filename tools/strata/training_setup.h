#pragma once
// Builds a run's loss, optimiser and schedulers from a config; shared by `strata train` and `strata tune`.
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"
#include "strata/train/trainer.h"

namespace strata::cli {

// True when a larger value of `monitor` ("loss", "val_accuracy", any metric name) is better.
bool higher_is_better(const std::string& monitor);
// The options the scheduler is built with: those written, onecycle's max_lr, and plateau's mode (from the
// metric it monitors).
nn::ArgMap scheduler_options(const SchedulerConfig& s);
// The config's loss; class-index targets are one-hot encoded for the regression losses.
train::LossFn make_loss(const Config& c);
// The config's optimiser over `params`, one group at optimizer.lr.
std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const std::vector<Tensor>& params);
// The config's optimiser over all of `model`'s parameters, frozen ones included (they train once
// unfrozen): one group per optimizer.param_groups entry (first match wins), then the rest at optimizer.lr.
// Throws naming the entry's line when its pattern matches no parameter.
std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const nn::Module& model);
// Attaches the config's scheduler: to the trainer (saved in checkpoints) and, for per-batch or
// metric-driven schedules, as a callback that steps it.
void attach_scheduler(const Config& c, train::Trainer& trainer, int64_t steps_per_epoch,
                      std::vector<std::shared_ptr<train::Callback>>& callbacks);

}  // namespace strata::cli
