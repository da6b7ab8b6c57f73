#pragma once
// Learning-rate schedulers (PyTorch semantics). Each adjusts the optimiser's group learning rates when
// step() is called (once per epoch, or per batch for OneCycleLR / warm-up, as the user chooses).
#include <memory>
#include <vector>

#include "strata/optim/optimizer.h"

namespace strata::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  // Advances one step and sets the new learning rates.
  virtual void step();
  // The learning rate of each group after the last step.
  std::vector<double> get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  // Step counter and base rates, as tensors.
  virtual StateDict state_dict() const;
  virtual void load_state_dict(const StateDict& state);
  Optimizer& optimizer() const { return *optimizer_; }

 protected:
  // The learning rates for step `last_epoch()` (closed form or chained from the current ones).
  virtual std::vector<double> compute_lr() = 0;
  void apply(const std::vector<double>& lrs);
  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = 0;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> compute_lr() override;

 private:
  double gamma_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t t_max_;
  double eta_min_;
};

struct OneCycleOptions {
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
  bool cos_anneal = true;  // false: linear annealing
};

// Called once per batch; total_steps = epochs * steps_per_epoch.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, OneCycleOptions options = {});

 protected:
  std::vector<double> compute_lr() override;

 private:
  double max_lr_;
  int64_t total_steps_;
  OneCycleOptions options_;
};

// Ramps the learning rate linearly from start_factor * base to base over warmup_steps, then hands
// over to `after` (if any), whose steps count from the end of the warm-up.
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor = 0.1,
               std::shared_ptr<LRScheduler> after = nullptr);
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t warmup_steps_;
  double start_factor_;
  std::shared_ptr<LRScheduler> after_;
};

struct PlateauOptions {
  bool mode_max = false;  // false: lower metric is better
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;  // relative
  int64_t cooldown = 0;
  double min_lr = 0.0;
};

// Cuts the learning rate by `factor` when the metric passed to step(metric) stops improving.
class ReduceLROnPlateau : public LRScheduler {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options = {});
  void step(double metric);
  void step() override;  // throws: needs a metric
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;

 protected:
  std::vector<double> compute_lr() override;

 private:
  PlateauOptions options_;
  double best_;
  int64_t bad_epochs_ = 0, cooldown_left_ = 0;
};

}  // namespace strata::optim
