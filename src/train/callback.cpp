#include "strata/train/callback.h"

#include <fmt/ranges.h>

#include <filesystem>
#include <sstream>
#include <unordered_set>

#include "strata/autograd/grad_mode.h"
#include "strata/core/glob.h"
#include "strata/io/atomic_file.h"
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

// "v1 v2 ..." of a state() text, as doubles; throws naming the callback when it does not parse.
std::vector<double> state_numbers(const std::string& text, size_t count, const char* who) {
  std::vector<double> out;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    try {
      size_t used = 0;
      out.push_back(std::stod(word, &used));
      STRATA_CHECK(used == word.size(), "trailing text");
    } catch (const std::exception&) {
      STRATA_FAIL("{}: malformed state '{}' in the checkpoint", who, text);
    }
  }
  STRATA_CHECK(out.size() == count, "{}: malformed state '{}' in the checkpoint (expected {} numbers)", who,
               text, count);
  return out;
}

std::string number_text(double v) { return fmt::format("{:.17g}", v); }

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

std::string EarlyStopping::state() const {
  return fmt::format("{} {} {}", number_text(best_), wait_, stopped_epoch_);
}

void EarlyStopping::load_state(Trainer& trainer, const std::string& state) {
  const std::vector<double> v = state_numbers(state, 3, "EarlyStopping");
  best_ = v[0];
  wait_ = static_cast<int>(v[1]);
  stopped_epoch_ = static_cast<int>(v[2]);
  if (stopped_epoch_ >= 0) trainer.stop_training();  // it had stopped the run: nothing more to train
}

void EarlyStopping::on_train_end(Trainer& trainer) {
  if (options_.restore_best_weights && stopped_epoch_ >= 0 && !best_state_.empty()) {
    trainer.model().load_state_dict(best_state_);
  }
}

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  STRATA_CHECK(!options_.dir.empty(), "ModelCheckpoint: dir must be set");
}

void ModelCheckpoint::on_train_begin(Trainer& trainer) {
  if (!options_.save_last || trainer.epoch() != 0) return;
  std::filesystem::create_directories(options_.dir);
  trainer.save_checkpoint(options_.dir + "/last.safetensors");
}

void ModelCheckpoint::on_epoch_end(Trainer& trainer, int, const Logs& logs) {
  std::filesystem::create_directories(options_.dir);
  // The best value is updated first, so that both files carry it.
  bool improved = false;
  if (options_.save_best) {
    const double v = monitored(logs, options_.monitor, "ModelCheckpoint");
    const bool up = maximize(options_.mode, options_.monitor);
    if (!have_best_ || (up ? v > best_ : v < best_)) {
      have_best_ = true;
      best_ = v;
      improved = true;
    }
  }
  if (improved) trainer.save_checkpoint(options_.dir + "/best.safetensors");
  if (options_.save_last) trainer.save_checkpoint(options_.dir + "/last.safetensors");
}

std::string ModelCheckpoint::state() const {
  return fmt::format("{} {}", have_best_ ? 1 : 0, number_text(best_));
}

void ModelCheckpoint::load_state(Trainer&, const std::string& state) {
  const std::vector<double> v = state_numbers(state, 2, "ModelCheckpoint");
  have_best_ = v[0] != 0;
  best_ = v[1];
}

CSVLogger::CSVLogger(std::string path) : path_(std::move(path)) {}

void CSVLogger::on_train_begin(Trainer&) {
  columns_.clear();
  text_.clear();
}

void CSVLogger::on_epoch_end(Trainer&, int epoch, const Logs& logs) {
  if (columns_.empty()) {
    for (const auto& [k, v] : logs) columns_.push_back(k);
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    text_ = "epoch";
    for (const auto& c : columns_) text_ += "," + c;
    text_ += "\n";
  }
  text_ += std::to_string(epoch);
  for (const auto& c : columns_) {
    auto it = logs.find(c);
    text_ += ",";
    if (it != logs.end()) text_ += fmt::format("{:.6g}", it->second);
  }
  text_ += "\n";
  io::write_file_atomic(path_, text_);  // the whole file each epoch: never a torn row
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
