// Learning-rate schedulers with PyTorch's semantics. The epoch-driven ones use the closed form of their
// schedule (rate = f(base rate, step)), which agrees with PyTorch's chained updates up to rounding and lets a
// scheduler that follows a warm-up start from the true base rates.
#include "strata/optim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "optim/optimizer_util.h"

namespace strata::optim {
namespace {

Tensor vector_f64(const std::vector<double>& values) {
  return from_vector<double>(values, Shape{static_cast<int64_t>(values.size())});
}

// Reads a 1-D f64 entry with one value per parameter group.
std::vector<double> read_per_group(detail::StateReader& r, const std::string& key, size_t groups) {
  STRATA_CHECK(r.has(key), "{}: missing key '{}'", r.who(), key);
  const Tensor t = r.tensor(key, zeros({static_cast<int64_t>(groups)}, {.dtype = kFloat64}));
  return t.to_vector<double>();
}

}  // namespace

// ---- LRScheduler ------------------------------------------------------------------------------------------
LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer) {
  for (size_t g = 0; g < optimizer.num_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
  last_lr_ = base_lrs_;
}

void LRScheduler::step() {
  ++last_epoch_;
  apply(compute_lr());
}

void LRScheduler::apply(const std::vector<double>& lrs) {
  STRATA_CHECK(lrs.size() == optimizer_->num_groups(),
               "LRScheduler: {} learning rates for {} parameter groups", lrs.size(),
               optimizer_->num_groups());
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_->set_lr(lrs[g], g);
  last_lr_ = lrs;
}

// Keys: last_epoch (i64), base_lrs and last_lr (f64, one value per group).
StateDict LRScheduler::state_dict() const {
  return {{"last_epoch", detail::scalar_i64(last_epoch_)},
          {"base_lrs", vector_f64(base_lrs_)},
          {"last_lr", vector_f64(last_lr_)}};
}

// Restores the step counter and rates, and sets the optimiser's rates to the restored last_lr, so a resumed
// run continues from the same rates even when the optimiser state was not restored with it.
void LRScheduler::load_state_dict(const StateDict& state) {
  detail::StateReader r(state, "LRScheduler::load_state_dict");
  const size_t groups = optimizer_->num_groups();
  const int64_t last_epoch = r.i64("last_epoch");
  STRATA_CHECK(last_epoch >= 0, "LRScheduler::load_state_dict: last_epoch {} is negative", last_epoch);
  std::vector<double> base = read_per_group(r, "base_lrs", groups);
  std::vector<double> last = read_per_group(r, "last_lr", groups);
  r.finish();
  last_epoch_ = last_epoch;
  base_lrs_ = std::move(base);
  apply(last);
}

// ---- StepLR -----------------------------------------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  STRATA_CHECK(step_size >= 1, "StepLR: step_size {} must be >= 1", step_size);
  STRATA_CHECK(gamma >= 0, "StepLR: gamma {} must be >= 0", gamma);
  apply(compute_lr());
}

std::vector<double> StepLR::compute_lr() {
  const double factor = std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor);
  return lrs;
}

// ---- MultiStepLR ------------------------------------------------------------------------------------------
MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  STRATA_CHECK(gamma >= 0, "MultiStepLR: gamma {} must be >= 0", gamma);
  std::sort(milestones_.begin(), milestones_.end());  // a repeated milestone applies gamma once per repeat
  apply(compute_lr());
}

std::vector<double> MultiStepLR::compute_lr() {
  const auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  const double factor = std::pow(gamma_, static_cast<double>(passed));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor);
  return lrs;
}

// ---- ExponentialLR ----------------------------------------------------------------------------------------
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  STRATA_CHECK(gamma >= 0, "ExponentialLR: gamma {} must be >= 0", gamma);
  apply(compute_lr());
}

std::vector<double> ExponentialLR::compute_lr() {
  const double factor = std::pow(gamma_, static_cast<double>(last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor);
  return lrs;
}

// ---- CosineAnnealingLR ------------------------------------------------------------------------------------
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  STRATA_CHECK(t_max >= 1, "CosineAnnealingLR: t_max {} must be >= 1", t_max);
  STRATA_CHECK(eta_min >= 0, "CosineAnnealingLR: eta_min {} must be >= 0", eta_min);
  apply(compute_lr());
}

std::vector<double> CosineAnnealingLR::compute_lr() {
  // Past t_max the cosine keeps going (the rate climbs back), as in PyTorch.
  const double c =
      (1 + std::cos(std::numbers::pi * static_cast<double>(last_epoch_) / static_cast<double>(t_max_))) / 2;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(eta_min_ + (base - eta_min_) * c);
  return lrs;
}

// ---- OneCycleLR -------------------------------------------------------------------------------------------
OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, OneCycleOptions options)
    : LRScheduler(optimizer), max_lr_(max_lr), total_steps_(total_steps), options_(options) {
  STRATA_CHECK(total_steps >= 1, "OneCycleLR: total_steps {} must be >= 1", total_steps);
  STRATA_CHECK(max_lr >= 0, "OneCycleLR: max_lr {} must be >= 0", max_lr);
  STRATA_CHECK(options.pct_start >= 0 && options.pct_start <= 1, "OneCycleLR: pct_start {} must be in [0, 1]",
               options.pct_start);
  STRATA_CHECK(options.div_factor > 0, "OneCycleLR: div_factor {} must be > 0", options.div_factor);
  STRATA_CHECK(options.final_div_factor > 0, "OneCycleLR: final_div_factor {} must be > 0",
               options.final_div_factor);
  // The cycle starts from max_lr / div_factor whatever the optimiser's rate was.
  base_lrs_.assign(base_lrs_.size(), max_lr / options.div_factor);
  apply(compute_lr());
}

std::vector<double> OneCycleLR::compute_lr() {
  if (last_epoch_ > total_steps_) {
    --last_epoch_;  // leave the scheduler where it was
    STRATA_FAIL("OneCycleLR: stepped {} times, but total_steps is {}", last_epoch_ + 1, total_steps_);
  }
  const double initial = max_lr_ / options_.div_factor;
  const double min_lr = initial / options_.final_div_factor;
  const double total = static_cast<double>(total_steps_);
  struct Phase {
    double end_step, start_lr, end_lr;
  };
  std::vector<Phase> phases;
  if (options_.three_phase)
    phases = {{options_.pct_start * total - 1, initial, max_lr_},
              {2 * options_.pct_start * total - 2, max_lr_, initial},
              {total - 1, initial, min_lr}};
  else
    phases = {{options_.pct_start * total - 1, initial, max_lr_}, {total - 1, max_lr_, min_lr}};
  const double step = static_cast<double>(last_epoch_);
  double lr = 0, start_step = 0;
  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase& ph = phases[i];
    if (step <= ph.end_step || i + 1 == phases.size()) {
      // A phase of length zero lands on its end value (PyTorch divides 0 by 0 there), and the step after the
      // cycle (step == total_steps, reached when the scheduler is stepped after every batch) holds the final
      // rate where PyTorch extrapolates past it.
      const double pct =
          ph.end_step == start_step ? 1.0 : std::min(1.0, (step - start_step) / (ph.end_step - start_step));
      lr = options_.cos_anneal
               ? ph.end_lr + (ph.start_lr - ph.end_lr) / 2.0 * (std::cos(std::numbers::pi * pct) + 1)
               : (ph.end_lr - ph.start_lr) * pct + ph.start_lr;
      break;
    }
    start_step = ph.end_step;
  }
  return std::vector<double>(base_lrs_.size(), lr);
}

// ---- LinearWarmup -----------------------------------------------------------------------------------------
LinearWarmup::LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor,
                           std::shared_ptr<LRScheduler> after)
    : LRScheduler(optimizer),
      warmup_steps_(warmup_steps),
      start_factor_(start_factor),
      after_(std::move(after)) {
  STRATA_CHECK(warmup_steps >= 1, "LinearWarmup: warmup_steps {} must be >= 1", warmup_steps);
  STRATA_CHECK(start_factor > 0 && start_factor <= 1, "LinearWarmup: start_factor {} must be in (0, 1]",
               start_factor);
  if (after_) {
    STRATA_CHECK(&after_->optimizer() == &optimizer,
                 "LinearWarmup: the `after` scheduler drives a different optimiser");
    STRATA_CHECK(after_->last_epoch() == 0,
                 "LinearWarmup: the `after` scheduler has already stepped ({} steps); pass a fresh one",
                 after_->last_epoch());
    STRATA_CHECK(
        !dynamic_cast<ReduceLROnPlateau*>(after_.get()),
        "LinearWarmup: ReduceLROnPlateau needs a metric and cannot follow a warm-up; step it yourself "
        "once the warm-up is over");
  }
  apply(compute_lr());
}

std::vector<double> LinearWarmup::compute_lr() {
  const double done =
      static_cast<double>(std::min(last_epoch_, warmup_steps_)) / static_cast<double>(warmup_steps_);
  const double factor = start_factor_ + (1 - start_factor_) * done;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * factor);
  return lrs;
}

void LinearWarmup::step() {
  ++last_epoch_;
  if (after_ && last_epoch_ > warmup_steps_) {
    after_->step();  // its step k is our step warmup_steps + k
    last_lr_ = after_->get_last_lr();
  } else {
    apply(compute_lr());
  }
}

// Keys: the base keys plus the `after` scheduler's keys prefixed "after.".
StateDict LinearWarmup::state_dict() const {
  StateDict out = LRScheduler::state_dict();
  if (after_)
    for (auto& [key, value] : after_->state_dict()) out["after." + key] = value;
  return out;
}

void LinearWarmup::load_state_dict(const StateDict& state) {
  StateDict own, after;
  for (const auto& [key, value] : state) {
    if (key.starts_with("after."))
      after[key.substr(6)] = value;
    else
      own[key] = value;
  }
  if (!after_) {
    STRATA_CHECK(after.empty(),
                 "LinearWarmup::load_state_dict: the state dict holds an `after` scheduler ('after.{}'), "
                 "but this warm-up has none",
                 after.begin()->first);
    LRScheduler::load_state_dict(own);
    return;
  }
  // Load `after` first and our own state last (its rates are the current ones in either phase); if ours
  // fails, put `after` and the optimiser's rates back so a failed load changes nothing.
  const StateDict after_before = after_->state_dict();
  std::vector<double> lrs_before;
  for (size_t g = 0; g < optimizer_->num_groups(); ++g) lrs_before.push_back(optimizer_->lr(g));
  after_->load_state_dict(after);
  try {
    LRScheduler::load_state_dict(own);
  } catch (...) {
    after_->load_state_dict(after_before);
    for (size_t g = 0; g < lrs_before.size(); ++g) optimizer_->set_lr(lrs_before[g], g);
    throw;
  }
}

// ---- ReduceLROnPlateau ------------------------------------------------------------------------------------
ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : LRScheduler(optimizer),
      options_(options),
      best_(options.mode_max ? -std::numeric_limits<double>::infinity()
                             : std::numeric_limits<double>::infinity()) {
  STRATA_CHECK(options.factor >= 0 && options.factor < 1, "ReduceLROnPlateau: factor {} must be in [0, 1)",
               options.factor);
  STRATA_CHECK(options.patience >= 0, "ReduceLROnPlateau: patience {} must be >= 0", options.patience);
  STRATA_CHECK(options.threshold >= 0, "ReduceLROnPlateau: threshold {} must be >= 0", options.threshold);
  STRATA_CHECK(options.cooldown >= 0, "ReduceLROnPlateau: cooldown {} must be >= 0", options.cooldown);
  STRATA_CHECK(options.min_lr >= 0, "ReduceLROnPlateau: min_lr {} must be >= 0", options.min_lr);
}

void ReduceLROnPlateau::step() {
  STRATA_FAIL("ReduceLROnPlateau::step: needs the monitored metric; call step(metric)");
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  const bool better = options_.mode_max ? metric > best_ * (1 + options_.threshold)
                                        : metric < best_ * (1 - options_.threshold);
  if (better) {
    best_ = metric;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (bad_epochs_ > options_.patience) {
    constexpr double kEps = 1e-8;  // PyTorch's default: smaller cuts are skipped
    for (size_t g = 0; g < optimizer_->num_groups(); ++g) {
      const double old_lr = optimizer_->lr(g);
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > kEps) optimizer_->set_lr(new_lr, g);
    }
    cooldown_left_ = options_.cooldown;
    bad_epochs_ = 0;
  }
  last_lr_ = compute_lr();
}

std::vector<double> ReduceLROnPlateau::compute_lr() {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_->num_groups(); ++g) lrs.push_back(optimizer_->lr(g));
  return lrs;
}

// Keys: the base keys plus best (f64), bad_epochs and cooldown_left (i64).
StateDict ReduceLROnPlateau::state_dict() const {
  StateDict out = LRScheduler::state_dict();
  out["best"] = detail::scalar_f64(best_);
  out["bad_epochs"] = detail::scalar_i64(bad_epochs_);
  out["cooldown_left"] = detail::scalar_i64(cooldown_left_);
  return out;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& state) {
  StateDict own = state;
  detail::StateReader r(state, "ReduceLROnPlateau::load_state_dict");
  const double best = r.f64("best");
  const int64_t bad = r.i64("bad_epochs"), cooldown = r.i64("cooldown_left");
  STRATA_CHECK(bad >= 0 && cooldown >= 0,
               "ReduceLROnPlateau::load_state_dict: negative counters (bad_epochs {}, cooldown_left {})", bad,
               cooldown);
  for (const char* key : {"best", "bad_epochs", "cooldown_left"}) own.erase(key);
  LRScheduler::load_state_dict(own);
  best_ = best;
  bad_epochs_ = bad;
  cooldown_left_ = cooldown;
}

}  // namespace strata::optim
