#pragma once
// TrainingModule: a model that writes its own training step (in the spirit of Lightning's manual
// optimisation), for training with several networks and optimisers (GANs, VAEs). The Trainer hands each
// batch to training_step() together with a StepContext; the step runs its own forward passes, backward
// passes and optimiser steps, and logs the numbers it wants in the epoch's Logs. The Trainer keeps its
// progress bar, callbacks, metrics.csv, curves.png and exact-resume checkpoints (every optimiser and
// scheduler, the module's parameters and buffers, the random state).
//
//   class Gan : public train::TrainingModule {
//     std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override {
//       return {std::make_shared<optim::Adam>(d->parameters()),
//       std::make_shared<optim::Adam>(g->parameters())};
//     }
//     void training_step(const data::Batch& batch, train::StepContext& ctx) override {
//       auto& opt_d = ctx.optimizer(0);
//       opt_d.zero_grad(); Tensor d_loss = ...; d_loss.backward(); opt_d.step();
//       ctx.log("d_loss", d_loss.item());
//       ...
//     }
//   };
//   train::Trainer trainer(std::make_shared<Gan>());
//   trainer.fit(loader, {.epochs = 5, .out_dir = "runs/gan"});
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/dataloader.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"
#include "strata/optim/scheduler.h"

namespace strata::train {

// Running sums of logged values for one epoch (or one validation pass): each value is weighted by the
// batch size it was logged for, so the epoch value is the per-sample mean, as the classic loss is.
class LogAccumulator {
 public:
  // Adds `value` for a batch of `weight` samples under `name`.
  void add(const std::string& name, double value, double weight);
  // Name -> weighted mean, sorted by name.
  std::map<std::string, double> means() const;
  // "d_loss 0.6931 g_loss 0.7012" in first-logged order, for the progress bar.
  std::string text() const;
  bool empty() const { return order_.empty(); }
  void clear();

 private:
  std::map<std::string, std::pair<double, double>> sums_;  // name -> (sum of value * weight, sum of weight)
  std::vector<std::string> order_;
};

// What the Trainer hands to every training_step / validation_step.
class StepContext {
 public:
  StepContext(std::vector<std::shared_ptr<optim::Optimizer>> optimizers, LogAccumulator& logs,
              int64_t global_step, int epoch, int64_t batch_size);
  // The i-th optimiser, in configure_optimizers() order; throws naming the count when out of range.
  optim::Optimizer& optimizer(size_t i);
  size_t num_optimizers() const { return optimizers_.size(); }
  // Records `value` for this batch; the epoch's Logs hold its batch-size-weighted mean under `name`
  // (metrics.csv, curves.png, the progress bar). In validation_step the Trainer stores it as "val_<name>"
  // (a name already starting with "val_" is kept as is).
  void log(const std::string& name, double value);
  // Training steps completed before this one, over all epochs (0 at the very first step).
  int64_t global_step() const { return global_step_; }
  // The 0-based epoch being trained.
  int epoch() const { return epoch_; }
  // The random generator steps draw from (noise, sampling): the default generator, whose state the
  // Trainer's checkpoints save and restore.
  Generator& generator();

 private:
  std::vector<std::shared_ptr<optim::Optimizer>> optimizers_;
  LogAccumulator* logs_;
  int64_t global_step_;
  int epoch_;
  int64_t batch_size_;
};

// Builds an optimiser over the given parameters (a config's `optimizers.<network>` entry, for instance).
using OptimizerFactory = std::function<std::shared_ptr<optim::Optimizer>(const std::vector<Tensor>& params)>;

class TrainingModule : public nn::Module {
 public:
  explicit TrainingModule(std::string type_name = "TrainingModule") : nn::Module(std::move(type_name)) {}
  // The networks that have an optimiser of their own, in configure_optimizers() order (e.g. "discriminator",
  // "generator"): the names set_optimizer_factory() accepts.
  virtual std::vector<std::string> optimizer_names() const { return {}; }
  // Replaces the default optimiser of network `name` (one of optimizer_names()); call before the Trainer is
  // built. Throws naming the known networks for any other name.
  void set_optimizer_factory(const std::string& name, OptimizerFactory factory);
  // The optimisers, built over this module's sub-models; called once by the Trainer's constructor.
  virtual std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() = 0;
  // Optional schedulers over those optimisers (stepped once per epoch by the Trainer, saved in checkpoints).
  virtual std::vector<std::shared_ptr<optim::LRScheduler>> configure_schedulers(
      const std::vector<std::shared_ptr<optim::Optimizer>>& /*optimizers*/) {
    return {};
  }
  // One training batch: forward passes, backward passes, optimiser steps and ctx.log() calls.
  virtual void training_step(const data::Batch& batch, StepContext& ctx) = 0;
  // One validation batch, run in eval mode without recording; logs values that become "val_<name>".
  virtual void validation_step(const data::Batch& /*batch*/, StepContext& /*ctx*/) {}
  // After training epoch `epoch` (1-based, as callbacks count: the epochs completed), with the run folder
  // (empty when fit() has none), before the callbacks' on_epoch_end: e.g. writes a sample grid PNG there.
  virtual void on_epoch_end(int /*epoch*/, const std::string& /*out_dir*/) {}

 protected:
  // For configure_optimizers(): the optimiser of network `name` over `params`, from the factory set for it,
  // else from `fallback` (the module's default).
  std::shared_ptr<optim::Optimizer> make_optimizer(const std::string& name, const std::vector<Tensor>& params,
                                                   const OptimizerFactory& fallback) const;

 private:
  std::map<std::string, OptimizerFactory> optimizer_factories_;
};

}  // namespace strata::train
