#pragma once
// Sparsity schedules for pruning during training: one-shot (prune once, then fine-tune with the masks
// held) and gradual (Zhu & Gupta 2017, "To prune, or not to prune"): the sparsity rises from
// initial_sparsity to final_sparsity along
//   s_t = s_f + (s_i - s_f) * (1 - (t - t_0) / (t_n - t_0))^3,   t = t_0, t_0 + dt, ..., t_n,
// pruning every `frequency` optimiser steps between begin_step (t_0) and end_step (t_n).
#include <memory>

#include "strata/compress/prune.h"
#include "strata/train/callback.h"

namespace strata::compress {

struct PruningScheduleOptions {
  double final_sparsity = 0.8;    // s_f, in [0, 1]
  double initial_sparsity = 0.0;  // s_i, in [0, final_sparsity]
  int64_t begin_step = 0;         // t_0: optimiser steps done before the first pruning (0: at train begin)
  int64_t end_step = 0;   // t_n: the step that reaches final_sparsity; end_step == begin_step: one-shot
  int64_t frequency = 1;  // dt: steps between prunings
  bool global = true;     // one threshold over all weights (else per layer)
  double exponent = 3.0;  // the schedule's power (3 in Zhu & Gupta)
};

// The scheduled sparsity after `step` optimiser steps (0 before begin_step, final_sparsity from end_step).
double scheduled_sparsity(const PruningScheduleOptions& options, int64_t step);

// One-shot pruning at begin_step: final_sparsity at once.
PruningScheduleOptions one_shot(double sparsity, bool global = true, int64_t step = 0);
// Gradual pruning from initial to final sparsity between begin_step and end_step, every `frequency` steps.
PruningScheduleOptions polynomial(double final_sparsity, int64_t begin_step, int64_t end_step,
                                  int64_t frequency = 1, double initial_sparsity = 0.0, bool global = true);

// A training callback that prunes on the schedule and keeps the masks: gradients are masked after backward
// and weights after every optimiser step, so pruned weights stay exactly zero through training.
class PruningSchedule : public train::Callback {
 public:
  PruningSchedule(std::shared_ptr<PruningMasks> masks, PruningScheduleOptions options);
  void on_train_begin(train::Trainer& trainer) override;
  void on_after_backward(train::Trainer& trainer) override;
  void on_batch_end(train::Trainer& trainer, int64_t step, const train::Logs& logs) override;
  // Optimiser steps seen (over every fit() this callback took part in).
  int64_t steps() const { return steps_; }
  const PruningMasks& masks() const { return *masks_; }

 private:
  void prune_to(int64_t step);
  std::shared_ptr<PruningMasks> masks_;
  PruningScheduleOptions options_;
  int64_t steps_ = 0;
};

}  // namespace strata::compress
