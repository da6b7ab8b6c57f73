#pragma once
// Optimisers and learning-rate schedulers by name, each option's name, kind and default declared once (the
// defaults are those of the options structs, PyTorch's), for configs and programs that choose them at run
// time:
//   auto opt = optim::create_optimizer("sgd", {{.params = net->parameters()}}, {{"lr", 0.1}, {"momentum",
//   0.9}}); auto sched = optim::create_scheduler("onecycle", *opt, {.total_steps = 4690}, {{"max_lr", 0.1}});
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/nn/layer_registry.h"
#include "strata/optim/optimizer.h"
#include "strata/optim/scheduler.h"

namespace strata::optim {

// Parameters that train at one learning rate; unset: the optimiser's `lr` option.
struct RatedParams {
  std::vector<Tensor> params;
  std::optional<double> lr{};
};

struct OptimizerType {
  std::string name;                  // "sgd", "adamw"
  std::string description;           // one line, for docs and help
  std::vector<nn::ArgSpec> options;  // `lr` first
  std::function<std::shared_ptr<Optimizer>(std::vector<RatedParams>, const nn::LayerArgs&)> create;
};

// sgd, adam, adamw, rmsprop, adagrad.
const std::vector<OptimizerType>& optimizer_types();
// The optimiser called `name`; throws naming the known ones (with a "did you mean") for any other name.
const OptimizerType& optimizer_type(const std::string& name);
// Builds optimiser `name` over `groups` with `options` (the rest take their defaults). Throws naming the
// optimiser and the option for an unknown option, a value of the wrong kind or out of range.
std::shared_ptr<Optimizer> create_optimizer(const std::string& name, std::vector<RatedParams> groups,
                                            const nn::ArgMap& options = {});

// What a schedule needs to know about the run it drives.
struct ScheduleContext {
  int64_t total_steps = 0;  // scheduler steps in the whole run: cosine's t_max, onecycle's length
};

struct SchedulerType {
  std::string name;
  std::string description;
  std::vector<nn::ArgSpec> options;
  // Stepped after every batch (cosine, onecycle, over ScheduleContext::total_steps) rather than every epoch.
  bool per_batch = false;
  // Stepped with a monitored metric (plateau).
  bool needs_metric = false;
  std::function<std::shared_ptr<LRScheduler>(Optimizer&, const ScheduleContext&, const nn::LayerArgs&)>
      create;
};

// step, multistep, exponential, cosine, onecycle, plateau.
const std::vector<SchedulerType>& scheduler_types();
const SchedulerType& scheduler_type(const std::string& name);
std::shared_ptr<LRScheduler> create_scheduler(const std::string& name, Optimizer& optimizer,
                                              const ScheduleContext& context, const nn::ArgMap& options = {});

}  // namespace strata::optim
