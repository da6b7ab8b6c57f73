#pragma once
// Trainer: Keras-style fit / evaluate / predict over DataLoaders, with callbacks, a progress bar,
// full checkpoints (model, optimiser, scheduler, epoch, RNG) and end-of-run CSV + PNG curves.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/data/dataloader.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"
#include "strata/optim/scheduler.h"
#include "strata/train/callback.h"

namespace strata::train {

using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

struct FitOptions {
  int epochs = 1;
  data::DataLoader* validation = nullptr;
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

  // Trains for options.epochs epochs (continuing from epoch() after a resume).
  History fit(data::DataLoader& train, const FitOptions& options = {});
  // Mean loss and accuracy (for class-index targets) over a loader, in eval mode without recording, plus the
  // named metrics.
  Logs evaluate(data::DataLoader& loader, const std::vector<std::string>& metrics = {});
  // Model outputs for every batch, concatenated along dim 0.
  Tensor predict(data::DataLoader& loader);

  // Writes model, optimiser, scheduler (if set), epoch, history and RNG state to one safetensors file,
  // atomically.
  void save_checkpoint(const std::string& path) const;
  // Restores everything save_checkpoint wrote; throws naming mismatched entries.
  void load_checkpoint(const std::string& path);

  // A scheduler to save and restore with checkpoints (and step per epoch unless a callback does).
  void set_scheduler(std::shared_ptr<optim::LRScheduler> scheduler) { scheduler_ = std::move(scheduler); }
  nn::Module& model() const { return *model_; }
  optim::Optimizer& optimizer() const { return *optimizer_; }
  int epoch() const { return epoch_; }  // epochs completed
  const History& history() const { return history_; }
  // Callbacks set this to end fit() after the current epoch.
  void stop_training() { stop_ = true; }

 private:
  std::shared_ptr<nn::Module> model_;
  std::shared_ptr<optim::Optimizer> optimizer_;
  std::shared_ptr<optim::LRScheduler> scheduler_;
  LossFn loss_;
  int epoch_ = 0;
  bool stop_ = false;
  History history_;
};

}  // namespace strata::train
