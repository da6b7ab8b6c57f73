#include "training_setup.h"

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

std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const std::vector<Tensor>& params) {
  const OptimizerConfig& o = c.optimizer;
  if (o.name == "sgd") {
    return std::make_shared<optim::SGD>(params, optim::SGDOptions{.lr = o.lr,
                                                                  .momentum = o.momentum,
                                                                  .dampening = o.dampening,
                                                                  .weight_decay = o.weight_decay,
                                                                  .nesterov = o.nesterov});
  }
  if (o.name == "adam" || o.name == "adamw") {
    optim::AdamOptions opts{
        .lr = o.lr, .betas = o.betas, .weight_decay = o.weight_decay, .amsgrad = o.amsgrad};
    if (o.eps) opts.eps = *o.eps;
    if (o.name == "adam") return std::make_shared<optim::Adam>(params, opts);
    return std::make_shared<optim::AdamW>(params, opts);
  }
  if (o.name == "rmsprop") {
    optim::RMSpropOptions opts{.lr = o.lr,
                               .alpha = o.alpha,
                               .weight_decay = o.weight_decay,
                               .momentum = o.momentum,
                               .centered = o.centered};
    if (o.eps) opts.eps = *o.eps;
    return std::make_shared<optim::RMSprop>(params, opts);
  }
  optim::AdagradOptions opts{.lr = o.lr, .lr_decay = o.lr_decay, .weight_decay = o.weight_decay};
  if (o.eps) opts.eps = *o.eps;
  return std::make_shared<optim::Adagrad>(params, opts);
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
