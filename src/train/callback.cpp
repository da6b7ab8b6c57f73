#include "strata/train/callback.h"

#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <unordered_set>

#include "strata/autograd/grad_mode.h"
#include "strata/core/glob.h"
#include "strata/metrics/registry.h"
#include "strata/train/trainer.h"

namespace strata::train {
namespace {

bool maximize(Mode mode, const std::string& monitor) {
  if (mode != Mode::Auto) return mode == Mode::Max;
  const std::string bare = monitor.rfind("val_", 0) == 0 ? monitor.substr(4) : monitor;
  if (bare == "loss") return false;
  return metrics::higher_is_better(bare);  // throws naming the metric when it is unknown
}

// The monitored value, or the training-set counterpart when there is no validation (val_loss -> loss).
double monitored(const Logs& logs, const std::string& monitor, const char* who) {
  auto it = logs.find(monitor);
  if (it == logs.end() && monitor.rfind("val_", 0) == 0) it = logs.find(monitor.substr(4));
  STRATA_CHECK(it != logs.end(), "{}: metric '{}' is not in the epoch logs", who, monitor);
  return it->second;
}

}  // namespace

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : options_(std::move(options)) {
  STRATA_CHECK(options_.patience >= 0, "EarlyStopping: patience must be non-negative, got {}",
               options_.patience);
}

void EarlyStopping::on_train_begin(Trainer&) {
  wait_ = 0;
  stopped_epoch_ = -1;
  best_ = maximize(options_.mode, options_.monitor) ? -INFINITY : INFINITY;
  best_state_.clear();
}

void EarlyStopping::on_epoch_end(Trainer& trainer, int epoch, const Logs& logs) {
  const double v = monitored(logs, options_.monitor, "EarlyStopping");
  const bool up = maximize(options_.mode, options_.monitor);
  const bool improved = up ? v > best_ + options_.min_delta : v < best_ - options_.min_delta;
  if (improved) {
    best_ = v;
    wait_ = 0;
    if (options_.restore_best_weights) {
      NoGradGuard no_grad;
      best_state_.clear();
      for (auto& [n, t] : trainer.model().state_dict()) best_state_[n] = t.clone();
    }
    return;
  }
  if (++wait_ > options_.patience) {
    stopped_epoch_ = epoch;
    trainer.stop_training();
  }
}

void EarlyStopping::on_train_end(Trainer& trainer) {
  if (options_.restore_best_weights && stopped_epoch_ >= 0 && !best_state_.empty()) {
    trainer.model().load_state_dict(best_state_);
  }
}

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  STRATA_CHECK(!options_.dir.empty(), "ModelCheckpoint: dir must be set");
}

void ModelCheckpoint::on_epoch_end(Trainer& trainer, int, const Logs& logs) {
  std::filesystem::create_directories(options_.dir);
  if (options_.save_last) trainer.save_checkpoint(options_.dir + "/last.safetensors");
  if (!options_.save_best) return;
  const double v = monitored(logs, options_.monitor, "ModelCheckpoint");
  const bool up = maximize(options_.mode, options_.monitor);
  if (!have_best_ || (up ? v > best_ : v < best_)) {
    have_best_ = true;
    best_ = v;
    trainer.save_checkpoint(options_.dir + "/best.safetensors");
  }
}

CSVLogger::CSVLogger(std::string path) : path_(std::move(path)) {}

void CSVLogger::on_train_begin(Trainer&) { columns_.clear(); }

void CSVLogger::on_epoch_end(Trainer&, int epoch, const Logs& logs) {
  const bool first = columns_.empty();
  if (first) {
    for (const auto& [k, v] : logs) columns_.push_back(k);
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
  }
  std::ofstream out(path_, first ? std::ios::trunc : std::ios::app);
  STRATA_CHECK(out.good(), "CSVLogger: cannot write {}", path_);
  if (first) {
    out << "epoch";
    for (const auto& c : columns_) out << "," << c;
    out << "\n";
  }
  out << epoch;
  for (const auto& c : columns_) {
    auto it = logs.find(c);
    out << ",";
    if (it != logs.end()) out << fmt::format("{:.6g}", it->second);
  }
  out << "\n";
}

LRSchedulerStep::LRSchedulerStep(std::shared_ptr<optim::LRScheduler> scheduler, bool per_batch,
                                 std::string monitor)
    : scheduler_(std::move(scheduler)), per_batch_(per_batch), monitor_(std::move(monitor)) {
  STRATA_CHECK(scheduler_ != nullptr, "LRSchedulerStep: scheduler is null");
}

void LRSchedulerStep::on_batch_end(Trainer&, int64_t, const Logs&) {
  if (per_batch_) scheduler_->step();
}

void LRSchedulerStep::on_epoch_end(Trainer&, int, const Logs& logs) {
  if (per_batch_) return;
  if (auto* plateau = dynamic_cast<optim::ReduceLROnPlateau*>(scheduler_.get())) {
    plateau->step(monitored(logs, monitor_, "LRSchedulerStep"));
  } else {
    scheduler_->step();
  }
}

Unfreeze::Unfreeze(UnfreezeOptions options) : options_(std::move(options)) {
  STRATA_CHECK(!options_.patterns.empty(), "Unfreeze: no patterns given");
  STRATA_CHECK(options_.epoch >= 1, "Unfreeze: epoch must be >= 1 (the first epoch is 1), got {}",
               options_.epoch);
}

void Unfreeze::on_train_begin(Trainer& trainer) {
  std::unordered_set<const TensorImpl*> in_optimizer;
  for (const Tensor& p : trainer.optimizer().parameters()) in_optimizer.insert(p.impl());
  std::vector<std::string> absent;
  for (const std::string& pattern : options_.patterns) {
    int64_t matched = 0;
    for (const auto& [name, p] : trainer.model().named_parameters()) {
      if (!glob_match(pattern, name)) continue;
      ++matched;
      if (!in_optimizer.count(p.impl())) absent.push_back(name);
    }
    STRATA_CHECK(matched > 0, "Unfreeze: pattern '{}' matches no parameter of the model", pattern);
  }
  if (!absent.empty()) {
    const size_t n = absent.size();
    if (n > 5) absent.resize(5);
    STRATA_FAIL(
        "Unfreeze: {} parameter(s) to unfreeze at epoch {} are not in the optimiser ({}{}), so they would "
        "not "
        "train; build the optimiser from all parameters, frozen ones included (module.parameters(), or "
        "optim::param_groups(..., include_frozen = true))",
        n, options_.epoch, fmt::join(absent, ", "), n > 5 ? ", ..." : "");
  }
  // A run resumed at or past the epoch unfreezes now: requires_grad is not part of a checkpoint.
  if (trainer.epoch() + 1 >= options_.epoch) unfreeze(trainer);
}

void Unfreeze::on_epoch_begin(Trainer& trainer, int epoch) {
  if (epoch == options_.epoch && unfrozen_ == 0) unfreeze(trainer);
}

void Unfreeze::unfreeze(Trainer& trainer) {
  unfrozen_ = 0;
  for (const std::string& pattern : options_.patterns) unfrozen_ += trainer.model().unfreeze(pattern);
}

}  // namespace strata::train
