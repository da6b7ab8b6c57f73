#include "strata/compress/prune_schedule.h"

#include <algorithm>
#include <cmath>

#include "strata/core/error.h"

namespace strata::compress {
namespace {

void check_options(const PruningScheduleOptions& o) {
  STRATA_CHECK(o.final_sparsity >= 0.0 && o.final_sparsity <= 1.0,
               "PruningSchedule: final_sparsity must be in [0, 1], got {}", o.final_sparsity);
  STRATA_CHECK(o.initial_sparsity >= 0.0 && o.initial_sparsity <= o.final_sparsity,
               "PruningSchedule: initial_sparsity must be in [0, final_sparsity = {}], got {}",
               o.final_sparsity, o.initial_sparsity);
  STRATA_CHECK(o.begin_step >= 0 && o.end_step >= o.begin_step,
               "PruningSchedule: need 0 <= begin_step <= end_step, got begin_step {} and end_step {}",
               o.begin_step, o.end_step);
  STRATA_CHECK(o.frequency > 0, "PruningSchedule: frequency must be positive, got {}", o.frequency);
  STRATA_CHECK(o.exponent > 0.0, "PruningSchedule: exponent must be positive, got {}", o.exponent);
}

}  // namespace

double scheduled_sparsity(const PruningScheduleOptions& o, int64_t step) {
  check_options(o);
  if (step < o.begin_step) return 0.0;
  if (step >= o.end_step) return o.final_sparsity;
  const double progress =
      static_cast<double>(step - o.begin_step) / static_cast<double>(o.end_step - o.begin_step);
  return o.final_sparsity + (o.initial_sparsity - o.final_sparsity) * std::pow(1.0 - progress, o.exponent);
}

PruningScheduleOptions one_shot(double sparsity, bool global, int64_t step) {
  PruningScheduleOptions o{.final_sparsity = sparsity,
                           .initial_sparsity = sparsity,
                           .begin_step = step,
                           .end_step = step,
                           .global = global};
  check_options(o);
  return o;
}

PruningScheduleOptions polynomial(double final_sparsity, int64_t begin_step, int64_t end_step,
                                  int64_t frequency, double initial_sparsity, bool global) {
  PruningScheduleOptions o{.final_sparsity = final_sparsity,
                           .initial_sparsity = initial_sparsity,
                           .begin_step = begin_step,
                           .end_step = end_step,
                           .frequency = frequency,
                           .global = global};
  check_options(o);
  return o;
}

PruningSchedule::PruningSchedule(std::shared_ptr<PruningMasks> masks, PruningScheduleOptions options)
    : masks_(std::move(masks)), options_(options) {
  STRATA_CHECK(masks_ != nullptr, "PruningSchedule: no masks given");
  check_options(options_);
}

void PruningSchedule::prune_to(int64_t step) {
  if (step < options_.begin_step || step > options_.end_step) return;
  // The last step always prunes, so the schedule ends at final_sparsity whatever the frequency.
  if ((step - options_.begin_step) % options_.frequency != 0 && step != options_.end_step) return;
  masks_->prune(scheduled_sparsity(options_, step), options_.global);
}

void PruningSchedule::on_train_begin(train::Trainer&) {
  STRATA_CHECK(!masks_->removed(), "PruningSchedule: the masks were removed; a schedule needs live masks");
  prune_to(steps_);
  masks_->apply();
}

void PruningSchedule::on_after_backward(train::Trainer&) { masks_->mask_grads(); }

void PruningSchedule::on_batch_end(train::Trainer&, int64_t, const train::Logs&) {
  ++steps_;
  masks_->apply();
  prune_to(steps_);
}

}  // namespace strata::compress
