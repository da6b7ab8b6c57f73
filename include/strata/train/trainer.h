#pragma once
// Trainer: Keras-style fit / evaluate / predict over DataLoaders, with callbacks, a progress bar,
// full checkpoints (model, optimiser, scheduler, epoch, RNG) and end-of-run CSV + PNG curves.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/data/dataloader.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"
#include "strata/optim/scheduler.h"
#include "strata/train/callback.h"
#include "strata/train/training_module.h"

namespace strata::train {

using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

// The format marker of training checkpoints (safetensors metadata "format").
inline constexpr const char* kCheckpointFormat = "strata-checkpoint-1";

struct FitOptions {
  int epochs = 1;
  data::DataLoader* validation = nullptr;
  // What the progress output calls the validation figures ("val": val_loss ...; "test" when the test split
  // stands in for validation). The logs keep the "val_" keys either way.
  std::string validation_label = "val";
  std::vector<std::shared_ptr<Callback>> callbacks{};
  // When set: metrics.csv and curves.png (loss and accuracy per epoch, train and validation) go here.
  std::string out_dir{};
  bool progress = true;  // progress bar on stderr
  // Metrics by name (see strata/metrics/registry.h), computed per epoch on the training batches and on the
  // validation loader into the logs under the same names ("val_" prefix for validation).
  std::vector<std::string> metrics{};
  // Mixed precision: training steps run under strata::autocast(kBFloat16) (strata/core/autocast.h);
  // weights, gradients and the optimiser stay f32. Evaluation stays f32.
  bool autocast = false;
  // Gradient clipping between backward and the optimiser step (0: off), as torch.nn.utils.clip_grad_value_
  // then clip_grad_norm_: each gradient element clamped to [-clip_grad_value, clip_grad_value], then all
  // gradients scaled together so their global L2 norm is at most clip_grad_norm.
  double clip_grad_norm = 0.0;
  double clip_grad_value = 0.0;
  // Compiled training steps (strata/compile/compile.h): forward, loss and backward traced once and
  // replayed; modules the compiler cannot trace run eagerly with a notice. The loss must be mean
  // cross-entropy over class indices (checked against `loss` on the first batch).
  bool compile = false;
  // Data-parallel runs: combines this rank's epoch training logs with the other ranks' (e.g.
  // dist::all_reduce_logs) before validation, printing and callbacks see them.
  std::function<void(Logs&)> reduce_logs{};
};

// One Logs per epoch, in order.
struct History {
  std::vector<Logs> epochs;
};

class Trainer {
 public:
  Trainer(std::shared_ptr<nn::Module> model, std::shared_ptr<optim::Optimizer> optimizer, LossFn loss);
  // Takes the optimiser by value: Trainer t(net, optim::Adam(net->parameters(), {.lr = 1e-3}),
  // nn::CrossEntropyLoss());
  template <typename Opt, typename Loss>
  requires std::is_base_of_v<optim::Optimizer, Opt> Trainer(std::shared_ptr<nn::Module> model, Opt optimizer,
                                                            Loss loss)
      : Trainer(std::move(model), std::make_shared<Opt>(std::move(optimizer)), LossFn(std::move(loss))) {}
  // A module that writes its own training step (strata/train/training_module.h): its optimisers and
  // schedulers come from configure_optimizers() / configure_schedulers(). fit() hands every batch to
  // training_step() and keeps the progress bar (the logged values' running means), callbacks (all but
  // on_after_backward, as the step runs its own backward), metrics.csv and curves.png (one panel per logged
  // name); evaluate() runs validation_step(); checkpoints hold every optimiser and scheduler. Gradient
  // clipping, autocast and named metrics of FitOptions belong inside the step and are refused here.
  explicit Trainer(std::shared_ptr<TrainingModule> module);

  // Trains for options.epochs epochs (continuing from epoch() after a resume).
  History fit(data::DataLoader& train, const FitOptions& options = {});
  // Mean loss and accuracy (for class-index targets) over a loader, in eval mode without recording, plus the
  // named metrics. For a TrainingModule: the means of what validation_step() logged.
  Logs evaluate(data::DataLoader& loader, const std::vector<std::string>& metrics = {});
  // Model outputs for every batch, concatenated along dim 0 (not for a TrainingModule).
  Tensor predict(data::DataLoader& loader);

  // Writes model, optimiser, scheduler (if set), epoch, history, RNG state, the convolution kernels chosen
  // at run time and the state of the running fit's callbacks to one safetensors file, atomically.
  void save_checkpoint(const std::string& path) const;
  // Restores everything save_checkpoint wrote (callback state when the next fit() starts); all or nothing:
  // the format marker and every entry are checked before anything changes, and it throws naming the
  // problem.
  void load_checkpoint(const std::string& path);

  // A scheduler to save and restore with checkpoints (and step per epoch unless a callback does).
  void set_scheduler(std::shared_ptr<optim::LRScheduler> scheduler) { scheduler_ = std::move(scheduler); }
  nn::Module& model() const { return *model_; }
  // The optimiser (for a TrainingModule: its first one).
  optim::Optimizer& optimizer() const { return *optimizer_; }
  // Every optimiser: the one given, or a TrainingModule's in configure_optimizers() order.
  const std::vector<std::shared_ptr<optim::Optimizer>>& optimizers() const { return optimizers_; }
  // The TrainingModule being trained, or null for a model + loss.
  TrainingModule* training_module() const { return module_.get(); }
  // Training batches completed over all epochs (restored by load_checkpoint).
  int64_t global_step() const { return global_step_; }
  int epoch() const { return epoch_; }  // epochs completed
  const History& history() const { return history_; }
  // Callbacks set this to end fit() after the current epoch.
  void stop_training() { stop_ = true; }
  // Whether the last fit() ended early on SIGINT/SIGTERM (strata/train/interrupt.h): it finished the step
  // it was in and returned without logging the unfinished epoch; checkpoints hold the last whole epoch.
  bool interrupted() const { return interrupted_; }

 private:
  std::shared_ptr<nn::Module> model_;
  std::shared_ptr<optim::Optimizer> optimizer_;
  std::shared_ptr<optim::LRScheduler> scheduler_;
  LossFn loss_;
  std::shared_ptr<TrainingModule> module_;
  std::vector<std::shared_ptr<optim::Optimizer>> optimizers_;
  std::vector<std::shared_ptr<optim::LRScheduler>> schedulers_;  // a TrainingModule's
  int64_t global_step_ = 0;
  int epoch_ = 0;
  bool stop_ = false;
  bool interrupted_ = false;
  History history_;
  const std::vector<std::shared_ptr<Callback>>* callbacks_ = nullptr;  // fit()'s, while it runs
  std::map<std::string, std::string> pending_callback_state_;          // loaded, for the next fit()

  struct CallbackScope;
  void restore_callbacks(const std::vector<std::shared_ptr<Callback>>& callbacks);
  bool interrupted_now();

  History fit_module(data::DataLoader& train, const FitOptions& options);
  Logs evaluate_module(data::DataLoader& loader);
};

}  // namespace strata::train
