#pragma once
// Training callbacks: hooks the Trainer calls around epochs and batches.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/data/dataloader.h"
#include "strata/optim/scheduler.h"

namespace strata::train {

class Trainer;
// Metric name -> value for one epoch: "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds".
using Logs = std::map<std::string, double>;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Trainer&) {}
  virtual void on_epoch_begin(Trainer&, int /*epoch*/) {}
  // Before the forward pass of a training batch (a teacher sees the batch here in distillation).
  virtual void on_batch_begin(Trainer&, const data::Batch& /*batch*/) {}
  // After backward, before gradient clipping and the optimiser step (pruning masks the gradients here).
  virtual void on_after_backward(Trainer&) {}
  virtual void on_batch_end(Trainer&, int64_t /*step*/, const Logs& /*batch_logs*/) {}
  virtual void on_epoch_end(Trainer&, int /*epoch*/, const Logs& /*logs*/) {}
  virtual void on_train_end(Trainer&) {}
  // Callbacks whose decisions depend on past epochs (best value so far, patience left) keep that state in
  // training checkpoints: a non-empty state_key() names it there, state() writes it as text, and
  // load_state() takes it back when fit() starts from a resumed checkpoint (after on_train_begin).
  virtual std::string state_key() const { return {}; }
  virtual std::string state() const { return {}; }
  virtual void load_state(Trainer&, const std::string& /*state*/) {}
};

enum class Mode { Auto, Min, Max };  // Auto: the metric's own direction (loss down, accuracy/F1/AUC up)

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  int patience = 3;
  double min_delta = 0.0;
  Mode mode = Mode::Auto;
  bool restore_best_weights = false;
};
// Stops training when `monitor` has not improved for `patience` epochs. Checkpoints keep its best value,
// patience counter and stopped epoch (a run that stopped early stays stopped when resumed); the best
// weights of restore_best_weights are not kept.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Trainer& trainer) override;
  void on_epoch_end(Trainer& trainer, int epoch, const Logs& logs) override;
  void on_train_end(Trainer& trainer) override;
  std::string state_key() const override { return "early_stopping"; }
  std::string state() const override;
  void load_state(Trainer& trainer, const std::string& state) override;
  int stopped_epoch() const { return stopped_epoch_; }
  double best() const { return best_; }
  int wait() const { return wait_; }

 private:
  EarlyStoppingOptions options_;
  double best_ = 0;
  int wait_ = 0, stopped_epoch_ = -1;
  std::map<std::string, Tensor> best_state_;
};

struct ModelCheckpointOptions {
  std::string dir{};                 // writes dir/best.safetensors and dir/last.safetensors
  std::string monitor = "val_loss";  // falls back to "loss" without validation
  Mode mode = Mode::Auto;
  bool save_best = true;
  bool save_last = true;
};
// Saves full training checkpoints (see Trainer::save_checkpoint) after each epoch, and last.safetensors
// once more before the first epoch of a fresh run (so a run folder always holds a checkpoint to resume).
// The best value so far is part of every checkpoint, so a resumed run never replaces a better
// best.safetensors. Place it after the callbacks whose state it should capture (EarlyStopping).
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options);
  void on_train_begin(Trainer& trainer) override;
  void on_epoch_end(Trainer& trainer, int epoch, const Logs& logs) override;
  std::string state_key() const override { return "model_checkpoint"; }
  std::string state() const override;
  void load_state(Trainer& trainer, const std::string& state) override;
  // Whether an epoch has set the best value yet, and that value.
  bool has_best() const { return have_best_; }
  double best() const { return best_; }

 private:
  ModelCheckpointOptions options_;
  bool have_best_ = false;
  double best_ = 0;
};

// One CSV row per epoch (epoch and every log, columns fixed by the first epoch); the file is rewritten
// atomically after every epoch.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path);
  void on_train_begin(Trainer& trainer) override;
  void on_epoch_end(Trainer& trainer, int epoch, const Logs& logs) override;

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::string text_;  // the file so far
};

// Steps a scheduler after every epoch (or every batch); ReduceLROnPlateau gets `monitor`'s value.
class LRSchedulerStep : public Callback {
 public:
  explicit LRSchedulerStep(std::shared_ptr<optim::LRScheduler> scheduler, bool per_batch = false,
                           std::string monitor = "val_loss");
  void on_batch_end(Trainer& trainer, int64_t step, const Logs& logs) override;
  void on_epoch_end(Trainer& trainer, int epoch, const Logs& logs) override;
  const std::shared_ptr<optim::LRScheduler>& scheduler() const { return scheduler_; }

 private:
  std::shared_ptr<optim::LRScheduler> scheduler_;
  bool per_batch_;
  std::string monitor_;
};

struct UnfreezeOptions {
  std::vector<std::string> patterns{"*"};  // globs on parameter names (strata/core/glob.h)
  int epoch = 1;                           // the first epoch (1-based) that trains them
};
// Gradual unfreezing for fine-tuning: makes the model's parameters matching `patterns` trainable from
// epoch `epoch` on (epoch 3: frozen during epochs 1 and 2). Frozen parameters stay in the optimiser and
// the optimisers skip them while they are frozen, so the optimiser's groups, their learning rates, the
// schedulers and the checkpoints keep one layout for the whole run (a resumed run lines up with the saved
// optimiser state); at train begin it checks that every parameter it will unfreeze is in the optimiser,
// and a run resumed past `epoch` unfreezes at once.
class Unfreeze : public Callback {
 public:
  explicit Unfreeze(UnfreezeOptions options);
  void on_train_begin(Trainer& trainer) override;
  void on_epoch_begin(Trainer& trainer, int epoch) override;
  // How many parameters it made trainable (0 until it has run).
  int64_t unfrozen() const { return unfrozen_; }

 private:
  void unfreeze(Trainer& trainer);
  UnfreezeOptions options_;
  int64_t unfrozen_ = 0;
};

}  // namespace strata::train
