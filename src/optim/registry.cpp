// strata's optimisers and schedulers by name. Each option is declared here once, with its default taken
// from the options struct the optimiser itself uses, so the registry and the C++ API cannot disagree.
#include "strata/optim/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"
#include "strata/optim/adagrad.h"
#include "strata/optim/adam.h"
#include "strata/optim/rmsprop.h"
#include "strata/optim/sgd.h"

namespace strata::optim {
namespace {

using nn::ArgKind;
using nn::ArgSpec;
using nn::ArgValue;
using nn::LayerArgs;
using O = std::shared_ptr<Optimizer>;
using S = std::shared_ptr<LRScheduler>;

ArgSpec option(std::string name, ArgKind kind, std::optional<ArgValue> fallback,
               std::vector<std::string> choices = {}) {
  return {
      .name = std::move(name), .kind = kind, .fallback = std::move(fallback), .choices = std::move(choices)};
}
ArgSpec required(std::string name, ArgKind kind) { return {.name = std::move(name), .kind = kind}; }

// One group per RatedParams, each with the shared options at its own rate.
template <typename Opt, typename Options>
O grouped(std::vector<RatedParams> groups, Options options) {
  std::vector<ParamGroup<Options>> out;
  const double lr = options.lr;
  for (auto& g : groups) {
    options.lr = g.lr.value_or(lr);
    out.push_back({std::move(g.params), options});
  }
  return std::make_shared<Opt>(std::move(out));
}

AdamOptions adam_options(const LayerArgs& a) {
  const std::vector<double> betas = a.numbers("betas");
  if (betas.size() != 2) a.fail(fmt::format("argument 'betas' must be two numbers, got {}", betas.size()));
  for (double b : betas) {
    if (!(b >= 0 && b < 1)) a.fail(fmt::format("argument 'betas' must hold numbers in [0, 1), got {}", b));
  }
  return {.lr = a.number("lr"),
          .betas = {betas[0], betas[1]},
          .eps = a.number("eps"),
          .weight_decay = a.number("weight_decay"),
          .amsgrad = a.boolean("amsgrad")};
}

std::vector<ArgSpec> adam_specs(double weight_decay) {
  const AdamOptions d;
  return {option("lr", ArgKind::Float, d.lr),
          option("betas", ArgKind::Floats,
                 ArgValue::list({fmt::format("{}", d.betas.first), fmt::format("{}", d.betas.second)})),
          option("eps", ArgKind::Float, d.eps), option("weight_decay", ArgKind::Float, weight_decay),
          option("amsgrad", ArgKind::Bool, d.amsgrad)};
}

std::vector<OptimizerType> make_optimizers() {
  const SGDOptions sgd;
  const RMSpropOptions rms;
  const AdagradOptions ada;
  return {
      {"sgd",
       "stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay",
       {option("lr", ArgKind::Float, sgd.lr), option("momentum", ArgKind::Float, sgd.momentum),
        option("dampening", ArgKind::Float, sgd.dampening),
        option("weight_decay", ArgKind::Float, sgd.weight_decay),
        option("nesterov", ArgKind::Bool, sgd.nesterov)},
       [](std::vector<RatedParams> g, const LayerArgs& a) {
         return grouped<SGD>(std::move(g), SGDOptions{.lr = a.number("lr"),
                                                      .momentum = a.number("momentum"),
                                                      .dampening = a.number("dampening"),
                                                      .weight_decay = a.number("weight_decay"),
                                                      .nesterov = a.boolean("nesterov")});
       }},
      {"adam", "Adam (weight decay as L2 added to the gradient)", adam_specs(AdamOptions{}.weight_decay),
       [](std::vector<RatedParams> g, const LayerArgs& a) {
         return grouped<Adam>(std::move(g), adam_options(a));
       }},
      {"adamw", "Adam with decoupled weight decay", adam_specs(1e-2),  // AdamW's default decay, as PyTorch
       [](std::vector<RatedParams> g, const LayerArgs& a) {
         return grouped<AdamW>(std::move(g), adam_options(a));
       }},
      {"rmsprop",
       "RMSprop (optionally centred, with momentum)",
       {option("lr", ArgKind::Float, rms.lr), option("alpha", ArgKind::Float, rms.alpha),
        option("eps", ArgKind::Float, rms.eps), option("weight_decay", ArgKind::Float, rms.weight_decay),
        option("momentum", ArgKind::Float, rms.momentum), option("centered", ArgKind::Bool, rms.centered)},
       [](std::vector<RatedParams> g, const LayerArgs& a) {
         return grouped<RMSprop>(std::move(g), RMSpropOptions{.lr = a.number("lr"),
                                                              .alpha = a.number("alpha"),
                                                              .eps = a.number("eps"),
                                                              .weight_decay = a.number("weight_decay"),
                                                              .momentum = a.number("momentum"),
                                                              .centered = a.boolean("centered")});
       }},
      {"adagrad",
       "Adagrad (per-parameter rates from the sum of squared gradients)",
       {option("lr", ArgKind::Float, ada.lr), option("lr_decay", ArgKind::Float, ada.lr_decay),
        option("weight_decay", ArgKind::Float, ada.weight_decay),
        option("initial_accumulator_value", ArgKind::Float, ada.initial_accumulator_value),
        option("eps", ArgKind::Float, ada.eps)},
       [](std::vector<RatedParams> g, const LayerArgs& a) {
         return grouped<Adagrad>(
             std::move(g), AdagradOptions{.lr = a.number("lr"),
                                          .lr_decay = a.number("lr_decay"),
                                          .weight_decay = a.number("weight_decay"),
                                          .initial_accumulator_value = a.number("initial_accumulator_value"),
                                          .eps = a.number("eps")});
       }},
  };
}

// Step counts and lengths must be positive; the schedulers check the rest themselves.
int64_t positive(const LayerArgs& a, const std::string& name) {
  const int64_t v = a.integer(name);
  if (v < 1) a.fail(fmt::format("argument '{}' must be positive, got {}", name, v));
  return v;
}

int64_t total_steps(const LayerArgs& a, const ScheduleContext& c) {
  if (c.total_steps < 1) a.fail("needs the run's total number of steps (ScheduleContext::total_steps)");
  return c.total_steps;
}

std::vector<SchedulerType> make_schedulers() {
  const OneCycleOptions one;
  const PlateauOptions plateau;
  return {
      {"step",
       "multiplies the rate by gamma every step_size epochs",
       {option("step_size", ArgKind::Int, 1), option("gamma", ArgKind::Float, 0.1)},
       false,
       false,
       [](Optimizer& o, const ScheduleContext&, const LayerArgs& a) -> S {
         return std::make_shared<StepLR>(o, positive(a, "step_size"), a.number("gamma"));
       }},
      {"multistep",
       "multiplies the rate by gamma at each milestone epoch",
       {required("milestones", ArgKind::Ints), option("gamma", ArgKind::Float, 0.1)},
       false,
       false,
       [](Optimizer& o, const ScheduleContext&, const LayerArgs& a) -> S {
         const std::vector<int64_t> m = a.integers("milestones");
         for (size_t i = 0; i < m.size(); ++i) {
           if (m[i] < 1 || (i > 0 && m[i] <= m[i - 1])) {
             a.fail(fmt::format("argument 'milestones' must be increasing positive epochs, got {}", m));
           }
         }
         return std::make_shared<MultiStepLR>(o, m, a.number("gamma"));
       }},
      {"exponential",
       "multiplies the rate by gamma every epoch",
       {required("gamma", ArgKind::Float)},
       false,
       false,
       [](Optimizer& o, const ScheduleContext&, const LayerArgs& a) -> S {
         return std::make_shared<ExponentialLR>(o, a.number("gamma"));
       }},
      {"cosine",
       "cosine annealing from the rate to eta_min over the run (per batch)",
       {option("eta_min", ArgKind::Float, 0.0)},
       true,
       false,
       [](Optimizer& o, const ScheduleContext& c, const LayerArgs& a) -> S {
         return std::make_shared<CosineAnnealingLR>(o, total_steps(a, c), a.number("eta_min"));
       }},
      {"onecycle",
       "warm up to max_lr, then anneal far below the start (per batch; max_lr 0: the optimiser's rate)",
       {option("max_lr", ArgKind::Float, 0.0), option("pct_start", ArgKind::Float, one.pct_start),
        option("div_factor", ArgKind::Float, one.div_factor),
        option("final_div_factor", ArgKind::Float, one.final_div_factor),
        option("anneal", ArgKind::String, one.cos_anneal ? "cos" : "linear", {"cos", "linear"}),
        option("three_phase", ArgKind::Bool, one.three_phase)},
       true,
       false,
       [](Optimizer& o, const ScheduleContext& c, const LayerArgs& a) -> S {
         double max_lr = a.number("max_lr");
         if (max_lr < 0) a.fail(fmt::format("argument 'max_lr' must be positive, got {}", max_lr));
         if (max_lr == 0) max_lr = o.lr(0);
         const double pct = a.number("pct_start");
         if (!(pct > 0 && pct < 1))
           a.fail(fmt::format("argument 'pct_start' must be in (0, 1), got {}", pct));
         return std::make_shared<OneCycleLR>(o, max_lr, total_steps(a, c),
                                             OneCycleOptions{.pct_start = pct,
                                                             .div_factor = a.number("div_factor"),
                                                             .final_div_factor = a.number("final_div_factor"),
                                                             .three_phase = a.boolean("three_phase"),
                                                             .cos_anneal = a.text("anneal") == "cos"});
       }},
      {"plateau",
       "divides the rate by 1 / factor when a monitored metric stops improving",
       {option("mode", ArgKind::String, plateau.mode_max ? "max" : "min", {"min", "max"}),
        option("factor", ArgKind::Float, plateau.factor), option("patience", ArgKind::Int, plateau.patience),
        option("threshold", ArgKind::Float, plateau.threshold),
        option("cooldown", ArgKind::Int, plateau.cooldown), option("min_lr", ArgKind::Float, plateau.min_lr)},
       false,
       true,
       [](Optimizer& o, const ScheduleContext&, const LayerArgs& a) -> S {
         const double factor = a.number("factor");
         if (!(factor > 0 && factor < 1))
           a.fail(fmt::format("argument 'factor' must be in (0, 1), got {}", factor));
         return std::make_shared<ReduceLROnPlateau>(o, PlateauOptions{.mode_max = a.text("mode") == "max",
                                                                      .factor = factor,
                                                                      .patience = a.integer("patience"),
                                                                      .threshold = a.number("threshold"),
                                                                      .cooldown = a.integer("cooldown"),
                                                                      .min_lr = a.number("min_lr")});
       }},
  };
}

template <typename Type>
const Type& find(const std::vector<Type>& types, const std::string& name, const char* what) {
  std::vector<std::string> names;
  for (const Type& t : types) {
    if (t.name == name) return t;
    names.push_back(t.name);
  }
  STRATA_FAIL("unknown {} '{}'{} (known: {})", what, name, did_you_mean(name, names), fmt::join(names, ", "));
}

}  // namespace

const std::vector<OptimizerType>& optimizer_types() {
  static const std::vector<OptimizerType> types = make_optimizers();
  return types;
}

const OptimizerType& optimizer_type(const std::string& name) {
  return find(optimizer_types(), name, "optimizer");
}

std::shared_ptr<Optimizer> create_optimizer(const std::string& name, std::vector<RatedParams> groups,
                                            const nn::ArgMap& options) {
  const OptimizerType& type = optimizer_type(name);
  const LayerArgs args(name, type.options, options, {}, {}, "optimizer");
  try {
    return type.create(std::move(groups), args);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind("optimizer '", 0) == 0) throw;
    STRATA_FAIL("optimizer '{}': {}", name, what);  // the optimiser's own range checks
  }
}

const std::vector<SchedulerType>& scheduler_types() {
  static const std::vector<SchedulerType> types = make_schedulers();
  return types;
}

const SchedulerType& scheduler_type(const std::string& name) {
  return find(scheduler_types(), name, "scheduler");
}

std::shared_ptr<LRScheduler> create_scheduler(const std::string& name, Optimizer& optimizer,
                                              const ScheduleContext& context, const nn::ArgMap& options) {
  const SchedulerType& type = scheduler_type(name);
  const LayerArgs args(name, type.options, options, {}, {}, "scheduler");
  try {
    return type.create(optimizer, context, args);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind("scheduler '", 0) == 0) throw;
    STRATA_FAIL("scheduler '{}': {}", name, what);
  }
}

}  // namespace strata::optim
