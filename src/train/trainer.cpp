#include "strata/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>

#include "kernels/cpu/conv.h"
#include "strata/autograd/grad_mode.h"
#include "strata/compile/compile.h"
#include "strata/core/autocast.h"
#include "strata/core/factory.h"
#include "strata/core/generator.h"
#include "strata/io/atomic_file.h"
#include "strata/io/safetensors.h"
#include "strata/metrics/registry.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/optim/clip.h"
#include "strata/train/interrupt.h"
#include "strata/train/plot.h"
#include "strata/train/progress.h"

namespace strata::train {
namespace {

// Number of correct argmax predictions when the output is [N, C] logits and the target [N] class indices;
// -1 when accuracy does not apply. N is the batch size, or batch * steps for per-step predictions.
int64_t correct_predictions(const Tensor& output, const Tensor& target) {
  if (output.dim() != 2 || target.dim() != 1 || target.dtype() != kInt64 ||
      output.size(0) != target.size(0)) {
    return -1;
  }
  return static_cast<int64_t>(ops::eq(ops::argmax(output, 1), target).sum().item());
}

// The targets that count towards accuracy: all but those equal to -100, the losses' default ignore_index
// (e.g. the unmasked tokens of masked-LM pre-training), which no argmax can match.
int64_t counted_targets(const Tensor& target) {
  return static_cast<int64_t>(ops::ne(target, -100.0).sum().item());
}

// Metric objects for FitOptions::metrics, made before training so that a bad name fails early.
std::vector<std::unique_ptr<metrics::Metric>> make_metrics(const std::vector<std::string>& names,
                                                           const char* who) {
  std::vector<std::unique_ptr<metrics::Metric>> out;
  for (const std::string& name : names) {
    std::unique_ptr<metrics::Metric> m = metrics::make(name);
    STRATA_CHECK(m->is_scalar(), "{}: metric '{}' is not a single number, so it cannot be logged per epoch",
                 who, name);
    out.push_back(std::move(m));
  }
  return out;
}

std::string metrics_text(double loss, double acc) {
  return acc >= 0 ? fmt::format("loss {:.4f} acc {:.4f}", loss, acc) : fmt::format("loss {:.4f}", loss);
}

void write_history_csv(const std::string& path, const History& history) {
  std::vector<std::string> columns;
  for (const Logs& logs : history.epochs) {
    for (const auto& [k, v] : logs) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    }
  }
  std::string text = "epoch";
  for (const auto& c : columns) text += "," + c;
  text += "\n";
  for (size_t e = 0; e < history.epochs.size(); ++e) {
    text += std::to_string(e + 1);
    for (const auto& c : columns) {
      auto it = history.epochs[e].find(c);
      text += ",";
      if (it != history.epochs[e].end()) text += fmt::format("{:.6g}", it->second);
    }
    text += "\n";
  }
  io::write_file_atomic(path, text);
}

void plot_history(const std::string& path, const History& history) {
  auto series = [&](const std::string& key, const std::string& label) {
    Series s{label, {}};
    for (const Logs& logs : history.epochs) {
      auto it = logs.find(key);
      if (it != logs.end()) s.values.push_back(it->second);
    }
    return s;
  };
  std::vector<std::pair<std::string, std::vector<Series>>> panels;
  for (const char* metric : {"loss", "accuracy"}) {
    std::vector<Series> lines;
    for (const auto& [key, label] :
         {std::pair<std::string, std::string>{metric, "train"},
          std::pair<std::string, std::string>{std::string("val_") + metric, "validation"}}) {
      Series s = series(key, label);
      if (!s.values.empty()) lines.push_back(std::move(s));
    }
    if (!lines.empty()) panels.emplace_back(metric, std::move(lines));
  }
  if (!panels.empty()) plot_line_panels(path, panels);
}

// curves.png for a TrainingModule: one panel per logged name (train line, and "val_<name>" beside it when
// validation logged it), leaving out the bookkeeping columns.
void plot_logged_history(const std::string& path, const History& history) {
  std::vector<std::string> names;
  for (const Logs& logs : history.epochs) {
    for (const auto& [k, v] : logs) {
      if (k == "seconds" || k == "lr" || k.rfind("lr_", 0) == 0) continue;
      const std::string base = k.rfind("val_", 0) == 0 ? k.substr(4) : k;
      if (std::find(names.begin(), names.end(), base) == names.end()) names.push_back(base);
    }
  }
  std::vector<std::pair<std::string, std::vector<Series>>> panels;
  for (const std::string& name : names) {
    std::vector<Series> lines;
    for (const auto& [key, label] : {std::pair<std::string, std::string>{name, "train"},
                                     std::pair<std::string, std::string>{"val_" + name, "validation"}}) {
      Series s{label, {}};
      for (const Logs& logs : history.epochs) {
        if (auto it = logs.find(key); it != logs.end()) s.values.push_back(it->second);
      }
      if (!s.values.empty()) lines.push_back(std::move(s));
    }
    if (!lines.empty()) panels.emplace_back(name, std::move(lines));
  }
  if (!panels.empty()) plot_line_panels(path, panels);
}

std::string history_to_text(const History& history) {
  std::ostringstream os;
  for (const Logs& logs : history.epochs) {
    bool first = true;
    for (const auto& [k, v] : logs) {
      os << (first ? "" : ";") << k << "=" << fmt::format("{:.17g}", v);
      first = false;
    }
    os << "\n";
  }
  return os.str();
}

History history_from_text(const std::string& text) {
  History h;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    Logs logs;
    std::istringstream fields(line);
    std::string kv;
    while (std::getline(fields, kv, ';')) {
      const auto eq = kv.find('=');
      STRATA_CHECK(eq != std::string::npos, "malformed history entry '{}'", kv);
      try {
        logs[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
      } catch (const std::exception&) {
        STRATA_FAIL("malformed history entry '{}'", kv);
      }
    }
    h.epochs.push_back(std::move(logs));
  }
  return h;
}

// The convolution kernels chosen so far, "name=0|1" per line (see kernels::cpu::conv_algorithm_choices).
std::string conv_choices_text() {
  std::string out;
  for (const auto& [name, winograd] : kernels::cpu::conv_algorithm_choices())
    out += fmt::format("{}={}\n", name, winograd ? 1 : 0);
  return out;
}

std::map<std::string, bool> conv_choices_from_text(const std::string& text) {
  std::map<std::string, bool> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.rfind('=');
    STRATA_CHECK(
        eq != std::string::npos && eq + 2 == line.size() && (line[eq + 1] == '0' || line[eq + 1] == '1'),
        "malformed convolution-algorithm entry '{}'", line);
    out[line.substr(0, eq)] = line[eq + 1] == '1';
  }
  return out;
}

// Writes metrics.csv and curves.png into `dir` (both atomically).
void write_run_files(const std::string& dir, const History& history, bool module) {
  std::filesystem::create_directories(dir);
  write_history_csv(dir + "/metrics.csv", history);
  if (module) {
    plot_logged_history(dir + "/curves.png", history);
  } else {
    plot_history(dir + "/curves.png", history);
  }
}

constexpr const char* kCallbackPrefix = "callback.";

}  // namespace

// fit() exposes its callbacks to save_checkpoint while it runs and applies a resumed checkpoint's
// callback state after on_train_begin.
struct Trainer::CallbackScope {
  Trainer& trainer;
  CallbackScope(Trainer& t, const std::vector<std::shared_ptr<Callback>>& callbacks) : trainer(t) {
    trainer.callbacks_ = &callbacks;
  }
  ~CallbackScope() { trainer.callbacks_ = nullptr; }
};

void Trainer::restore_callbacks(const std::vector<std::shared_ptr<Callback>>& callbacks) {
  for (const auto& cb : callbacks) {
    const std::string key = cb->state_key();
    if (key.empty()) continue;
    if (auto it = pending_callback_state_.find(key); it != pending_callback_state_.end())
      cb->load_state(*this, it->second);
  }
  pending_callback_state_.clear();
}

bool Trainer::interrupted_now() {
  if (!interrupt_requested()) return false;
  interrupted_ = true;
  return true;
}

Trainer::Trainer(std::shared_ptr<nn::Module> model, std::shared_ptr<optim::Optimizer> optimizer, LossFn loss)
    : model_(std::move(model)), optimizer_(std::move(optimizer)), loss_(std::move(loss)) {
  STRATA_CHECK(model_ != nullptr, "Trainer: model is null");
  STRATA_CHECK(optimizer_ != nullptr, "Trainer: optimizer is null");
  STRATA_CHECK(static_cast<bool>(loss_), "Trainer: loss is empty");
  optimizers_ = {optimizer_};
}

Trainer::Trainer(std::shared_ptr<TrainingModule> module) : module_(std::move(module)) {
  STRATA_CHECK(module_ != nullptr, "Trainer: training module is null");
  model_ = module_;
  optimizers_ = module_->configure_optimizers();
  STRATA_CHECK(!optimizers_.empty(), "Trainer: {}::configure_optimizers() returned no optimiser",
               module_->type_name());
  for (size_t i = 0; i < optimizers_.size(); ++i) {
    STRATA_CHECK(optimizers_[i] != nullptr,
                 "Trainer: {}::configure_optimizers() returned a null optimiser at {}", module_->type_name(),
                 i);
  }
  optimizer_ = optimizers_.front();
  schedulers_ = module_->configure_schedulers(optimizers_);
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    STRATA_CHECK(schedulers_[i] != nullptr,
                 "Trainer: {}::configure_schedulers() returned a null scheduler at {}", module_->type_name(),
                 i);
  }
}

History Trainer::fit(data::DataLoader& train, const FitOptions& options) {
  if (module_) return fit_module(train, options);
  STRATA_CHECK(options.epochs >= 0, "fit: epochs must be non-negative, got {}", options.epochs);
  STRATA_CHECK(options.clip_grad_norm >= 0 && options.clip_grad_value >= 0,
               "fit: clip_grad_norm and clip_grad_value must be non-negative (0: off), got {} and {}",
               options.clip_grad_norm, options.clip_grad_value);
  stop_ = false;
  const std::vector<Tensor> parameters = model_->parameters();
  const auto train_metrics = make_metrics(options.metrics, "fit");
  // A scheduler that an LRSchedulerStep callback drives (per batch, or with a metric) is not stepped here
  // too.
  const bool scheduler_in_callback =
      scheduler_ && std::any_of(options.callbacks.begin(), options.callbacks.end(), [&](const auto& cb) {
        const auto* step = dynamic_cast<const LRSchedulerStep*>(cb.get());
        return step != nullptr && step->scheduler() == scheduler_;
      });
  // The compiled step stops at the gradients: callbacks, clipping and the optimiser run as below.
  std::unique_ptr<compiler::CompiledTrainingStep> compiled;
  if (options.compile)
    compiled = std::make_unique<compiler::CompiledTrainingStep>(
        *model_, *optimizer_, compiler::CompileOptions{.optimizer_step = false});
  bool compiled_loss_checked = false;
  const CallbackScope scope(*this, options.callbacks);
  interrupted_ = false;
  for (auto& cb : options.callbacks) cb->on_train_begin(*this);
  restore_callbacks(options.callbacks);
  const int first = epoch_, last = epoch_ + options.epochs;
  for (int epoch = first; epoch < last && !stop_ && !interrupted_now(); ++epoch) {
    for (auto& cb : options.callbacks) cb->on_epoch_begin(*this, epoch + 1);
    model_->train();
    train.set_epoch(epoch);  // the shuffle depends only on (seed, epoch): resuming repeats it exactly
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar(fmt::format("epoch {}/{}", epoch + 1, last), train.size(),
                    options.progress ? stderr : nullptr);
    double loss_sum = 0;
    int64_t samples = 0, correct = 0, predictions = 0, step = 0;
    bool has_accuracy = true;
    for (auto& m : train_metrics) m->reset();
    for (const data::Batch& batch : train) {
      const AutocastGuard precision(options.autocast ? AutocastMode{true, kBFloat16} : autocast_mode());
      optimizer_->zero_grad();
      for (auto& cb : options.callbacks) cb->on_batch_begin(*this, batch);
      Tensor output;
      Tensor loss;
      if (compiled) {
        loss = compiled->step(batch.input, batch.target);
        output = compiled->output();
        if (!compiled_loss_checked) {
          NoGradGuard no_grad;
          const double expected = loss_(output, batch.target).item();
          STRATA_CHECK(
              std::abs(expected - loss.item()) <= 1e-5 + 1e-4 * std::abs(expected),
              "fit: compile needs the loss to be mean cross-entropy over class indices (the loss gave "
              "{} where cross-entropy gives {})",
              expected, loss.item());
          compiled_loss_checked = true;
        }
      } else {
        output = model_->forward(batch.input);
        loss = loss_(output, batch.target);
        loss.backward();
      }
      for (auto& cb : options.callbacks) cb->on_after_backward(*this);
      if (options.clip_grad_value > 0) optim::clip_grad_value_(parameters, options.clip_grad_value);
      if (options.clip_grad_norm > 0) optim::clip_grad_norm_(parameters, options.clip_grad_norm);
      optimizer_->step();
      const int64_t n = batch.size();
      const double batch_loss = loss.item();
      loss_sum += batch_loss * static_cast<double>(n);
      samples += n;
      {
        NoGradGuard no_grad;
        const int64_t c = correct_predictions(output, batch.target);
        if (c < 0) has_accuracy = false;
        correct += std::max<int64_t>(c, 0);
        predictions += c < 0 ? 0 : counted_targets(batch.target);
        for (auto& m : train_metrics) m->update(output, batch.target);
      }
      ++step;
      ++global_step_;
      const double acc = has_accuracy && predictions > 0
                             ? static_cast<double>(correct) / static_cast<double>(predictions)
                             : -1;
      bar.update(step, metrics_text(loss_sum / static_cast<double>(samples), acc), samples);
      Logs batch_logs{{"loss", batch_loss}};
      for (auto& cb : options.callbacks) cb->on_batch_end(*this, step, batch_logs);
      if (interrupted_now()) break;  // the step is done; the epoch is not, so it is not logged
    }
    if (interrupted_) {
      bar.finish("interrupted");
      break;
    }
    STRATA_CHECK(samples > 0, "fit: the training loader produced no batches");
    Logs logs;
    logs["loss"] = loss_sum / static_cast<double>(samples);
    if (has_accuracy && predictions > 0)
      logs["accuracy"] = static_cast<double>(correct) / static_cast<double>(predictions);
    logs["lr"] = optimizer_->lr(0);
    for (size_t i = 0; i < train_metrics.size(); ++i) logs[options.metrics[i]] = train_metrics[i]->compute();
    if (options.reduce_logs) options.reduce_logs(logs);
    if (options.validation) {
      const Logs val = evaluate(*options.validation, options.metrics);
      for (const auto& [k, v] : val) logs["val_" + k] = v;
    }
    logs["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string summary = metrics_text(logs["loss"], has_accuracy ? logs["accuracy"] : -1);
    if (options.validation) {
      const std::string& label = options.validation_label;
      summary += fmt::format(" | {}_loss {:.4f}", label, logs["val_loss"]);
      if (logs.count("val_accuracy")) summary += fmt::format(" {}_acc {:.4f}", label, logs["val_accuracy"]);
    }
    bar.finish(summary);
    epoch_ = epoch + 1;
    if (scheduler_ && !scheduler_in_callback) scheduler_->step();
    history_.epochs.push_back(logs);
    if (!options.out_dir.empty()) write_run_files(options.out_dir, history_, false);
    for (auto& cb : options.callbacks) cb->on_epoch_end(*this, epoch + 1, logs);
  }
  for (auto& cb : options.callbacks) cb->on_train_end(*this);
  return history_;
}

History Trainer::fit_module(data::DataLoader& train, const FitOptions& options) {
  STRATA_CHECK(options.epochs >= 0, "fit: epochs must be non-negative, got {}", options.epochs);
  const std::string who = module_->type_name();
  STRATA_CHECK(options.clip_grad_norm == 0 && options.clip_grad_value == 0,
               "fit: {} writes its own training step; clip gradients inside training_step "
               "(optim::clip_grad_norm_) instead of FitOptions::clip_grad_norm / clip_grad_value",
               who);
  STRATA_CHECK(options.metrics.empty(),
               "fit: {} writes its own training step; log metrics with StepContext::log instead of "
               "FitOptions::metrics",
               who);
  STRATA_CHECK(!options.autocast, "fit: {} writes its own training step; use an AutocastGuard inside it",
               who);
  STRATA_CHECK(scheduler_ == nullptr,
               "fit: {} writes its own training step; return schedulers from configure_schedulers() instead "
               "of set_scheduler()",
               who);
  stop_ = false;
  const CallbackScope scope(*this, options.callbacks);
  interrupted_ = false;
  for (auto& cb : options.callbacks) cb->on_train_begin(*this);
  restore_callbacks(options.callbacks);
  const int first = epoch_, last = epoch_ + options.epochs;
  for (int epoch = first; epoch < last && !stop_ && !interrupted_now(); ++epoch) {
    for (auto& cb : options.callbacks) cb->on_epoch_begin(*this, epoch + 1);
    module_->train();
    train.set_epoch(epoch);
    const auto start = std::chrono::steady_clock::now();
    ProgressBar bar(fmt::format("epoch {}/{}", epoch + 1, last), train.size(),
                    options.progress ? stderr : nullptr);
    LogAccumulator epoch_logs;
    int64_t samples = 0, step = 0;
    for (const data::Batch& batch : train) {
      for (auto& cb : options.callbacks) cb->on_batch_begin(*this, batch);
      LogAccumulator batch_acc;
      StepContext ctx(optimizers_, batch_acc, global_step_, epoch, batch.size());
      module_->training_step(batch, ctx);
      const Logs batch_logs = batch_acc.means();
      for (const auto& [k, v] : batch_logs) epoch_logs.add(k, v, static_cast<double>(batch.size()));
      samples += batch.size();
      ++step;
      ++global_step_;
      bar.update(step, epoch_logs.text(), samples);
      for (auto& cb : options.callbacks) cb->on_batch_end(*this, step, batch_logs);
      if (interrupted_now()) break;
    }
    if (interrupted_) {
      bar.finish("interrupted");
      break;
    }
    STRATA_CHECK(samples > 0, "fit: the training loader produced no batches");
    Logs logs = epoch_logs.means();
    for (size_t i = 0; i < optimizers_.size(); ++i) {
      logs[optimizers_.size() == 1 ? std::string("lr") : fmt::format("lr_{}", i)] = optimizers_[i]->lr(0);
    }
    std::string summary = epoch_logs.text();
    if (options.validation) {
      const Logs val = evaluate_module(*options.validation);
      std::string val_text;
      for (const auto& [k, v] : val) {
        const std::string name = k.rfind("val_", 0) == 0 ? k : "val_" + k;
        logs[name] = v;
        val_text += fmt::format(" {} {:.4f}", name, v);
      }
      if (!val_text.empty()) summary += " |" + val_text;
    }
    logs["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.finish(summary);
    epoch_ = epoch + 1;
    for (auto& s : schedulers_) s->step();
    history_.epochs.push_back(logs);
    module_->on_epoch_end(epoch + 1, options.out_dir);
    if (!options.out_dir.empty()) write_run_files(options.out_dir, history_, true);
    for (auto& cb : options.callbacks) cb->on_epoch_end(*this, epoch + 1, logs);
  }
  for (auto& cb : options.callbacks) cb->on_train_end(*this);
  return history_;
}

Logs Trainer::evaluate_module(data::DataLoader& loader) {
  NoGradGuard no_grad;
  const bool was_training = module_->is_training();
  module_->eval();
  LogAccumulator acc;
  int64_t samples = 0;
  for (const data::Batch& batch : loader) {
    StepContext ctx(optimizers_, acc, global_step_, epoch_, batch.size());
    module_->validation_step(batch, ctx);
    samples += batch.size();
  }
  module_->train(was_training);
  STRATA_CHECK(samples > 0, "evaluate: the loader produced no batches");
  return acc.means();
}

Logs Trainer::evaluate(data::DataLoader& loader, const std::vector<std::string>& metric_names) {
  if (module_) {
    STRATA_CHECK(metric_names.empty(),
                 "evaluate: {} logs its own metrics in validation_step; named metrics do not apply",
                 module_->type_name());
    return evaluate_module(loader);
  }
  const auto named = make_metrics(metric_names, "evaluate");
  NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  double loss_sum = 0;
  int64_t samples = 0, correct = 0, predictions = 0;
  bool has_accuracy = true;
  for (const data::Batch& batch : loader) {
    const Tensor output = model_->forward(batch.input);
    loss_sum += loss_(output, batch.target).item() * static_cast<double>(batch.size());
    samples += batch.size();
    const int64_t c = correct_predictions(output, batch.target);
    if (c < 0) has_accuracy = false;
    correct += std::max<int64_t>(c, 0);
    predictions += c < 0 ? 0 : counted_targets(batch.target);
    for (auto& m : named) m->update(output, batch.target);
  }
  model_->train(was_training);
  STRATA_CHECK(samples > 0, "evaluate: the loader produced no batches");
  Logs logs{{"loss", loss_sum / static_cast<double>(samples)}};
  if (has_accuracy && predictions > 0)
    logs["accuracy"] = static_cast<double>(correct) / static_cast<double>(predictions);
  for (size_t i = 0; i < named.size(); ++i) logs[metric_names[i]] = named[i]->compute();
  return logs;
}

Tensor Trainer::predict(data::DataLoader& loader) {
  STRATA_CHECK(module_ == nullptr,
               "predict: {} writes its own steps and has no single forward to predict with; call its "
               "sub-models directly",
               module_ ? module_->type_name() : std::string());
  NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  std::vector<Tensor> outputs;
  for (const data::Batch& batch : loader) outputs.push_back(model_->forward(batch.input));
  model_->train(was_training);
  STRATA_CHECK(!outputs.empty(), "predict: the loader produced no batches");
  return ops::cat(outputs, 0);
}

void Trainer::save_checkpoint(const std::string& path) const {
  std::map<std::string, Tensor> tensors;
  for (const auto& [k, v] : model_->state_dict()) tensors["model." + k] = v;
  if (module_) {
    // Every optimiser and scheduler under its index: "optimizers.<i>.<key>", "schedulers.<i>.<key>".
    for (size_t i = 0; i < optimizers_.size(); ++i) {
      for (const auto& [k, v] : optimizers_[i]->state_dict())
        tensors[fmt::format("optimizers.{}.{}", i, k)] = v;
    }
    for (size_t i = 0; i < schedulers_.size(); ++i) {
      for (const auto& [k, v] : schedulers_[i]->state_dict())
        tensors[fmt::format("schedulers.{}.{}", i, k)] = v;
    }
  } else {
    for (const auto& [k, v] : optimizer_->state_dict()) tensors["optimizer." + k] = v;
    if (scheduler_) {
      for (const auto& [k, v] : scheduler_->state_dict()) tensors["scheduler." + k] = v;
    }
  }
  tensors["trainer.epoch"] = full({}, epoch_, {.dtype = kInt64});
  tensors["trainer.global_step"] = full({}, static_cast<double>(global_step_), {.dtype = kInt64});
  std::ostringstream rng;
  {
    Generator& g = default_generator();
    std::lock_guard lock(g.mutex());
    rng << g.engine();
  }
  std::map<std::string, std::string> metadata{{"format", kCheckpointFormat},
                                              {"rng", rng.str()},
                                              {"history", history_to_text(history_)},
                                              {"conv_algorithms", conv_choices_text()}};
  // Callback state: the running fit's callbacks, or (between a resume and fit) what was loaded.
  for (const auto& [key, text] : pending_callback_state_) metadata[kCallbackPrefix + key] = text;
  if (callbacks_ != nullptr) {
    for (const auto& cb : *callbacks_) {
      const std::string key = cb->state_key();
      if (key.empty()) continue;
      STRATA_CHECK(
          metadata.emplace(kCallbackPrefix + key, cb->state()).second || pending_callback_state_.count(key),
          "save_checkpoint: two callbacks keep state under '{}'", key);
      metadata[kCallbackPrefix + key] = cb->state();
    }
  }
  io::save_safetensors(path, tensors, metadata);
}

void Trainer::load_checkpoint(const std::string& path) {
  const io::SafetensorsFile file = io::read_safetensors(path);
  const std::map<std::string, Tensor>& tensors = file.tensors;
  const std::map<std::string, std::string>& metadata = file.metadata;
  // Everything is parsed and checked first; the trainer changes only once nothing can fail, and a
  // failure while assigning restores the model and optimisers as they were (all or nothing).
  const auto format = metadata.find("format");
  STRATA_CHECK(format != metadata.end() && format->second == kCheckpointFormat,
               "{}: not a strata training checkpoint (format marker '{}', expected '{}')", path,
               format == metadata.end() ? std::string("none") : format->second, kCheckpointFormat);
  STRATA_CHECK(tensors.count("trainer.epoch"), "{}: not a strata training checkpoint (no trainer.epoch)",
               path);
  nn::StateDict model_state;
  optim::StateDict optimizer_state, scheduler_state;
  // A TrainingModule's optimisers and schedulers by index.
  std::map<size_t, optim::StateDict> optimizer_states, scheduler_states;
  const auto indexed = [&](const std::string& key, const std::string& prefix,
                           std::map<size_t, optim::StateDict>& into) {
    if (key.rfind(prefix, 0) != 0) return;
    const std::string rest = key.substr(prefix.size());
    const auto dot = rest.find('.');
    STRATA_CHECK(dot != std::string::npos && dot > 0 && rest.find_first_not_of("0123456789") == dot,
                 "{}: malformed checkpoint entry '{}' (expected {}<index>.<name>)", path, key, prefix);
    into[std::stoul(rest.substr(0, dot))][rest.substr(dot + 1)] = tensors.at(key);
  };
  for (const auto& [k, v] : tensors) {
    if (k.rfind("model.", 0) == 0) model_state[k.substr(6)] = v;
    if (k.rfind("optimizer.", 0) == 0) optimizer_state[k.substr(10)] = v;
    if (k.rfind("scheduler.", 0) == 0) scheduler_state[k.substr(10)] = v;
    indexed(k, "optimizers.", optimizer_states);
    indexed(k, "schedulers.", scheduler_states);
  }
  const auto scalar = [&](const char* name) {
    const Tensor& t = tensors.at(name);
    STRATA_CHECK(t.numel() == 1 && t.dtype() == kInt64,
                 "{}: checkpoint entry '{}' must be one int64, got {} {}", path, name, dtype_name(t.dtype()),
                 t.shape().str());
    return static_cast<int64_t>(t.item());
  };
  const int64_t epoch = scalar("trainer.epoch");
  STRATA_CHECK(epoch >= 0, "{}: negative trainer.epoch {}", path, epoch);
  const int64_t global_step = tensors.count("trainer.global_step") ? scalar("trainer.global_step") : 0;
  History history;
  std::map<std::string, bool> conv_choices;
  std::map<std::string, std::string> callback_state;
  std::mt19937_64 engine;
  bool has_rng = false;
  try {
    if (auto it = metadata.find("history"); it != metadata.end()) {
      history = history_from_text(it->second);
      STRATA_CHECK(history.epochs.size() == static_cast<size_t>(epoch),
                   "the history holds {} epoch(s), trainer.epoch says {}", history.epochs.size(), epoch);
    }
    if (auto it = metadata.find("conv_algorithms"); it != metadata.end())
      conv_choices = conv_choices_from_text(it->second);
    for (const auto& [k, v] : metadata) {
      if (k.rfind(kCallbackPrefix, 0) == 0) callback_state[k.substr(std::string(kCallbackPrefix).size())] = v;
    }
    if (auto it = metadata.find("rng"); it != metadata.end()) {
      std::istringstream in(it->second);
      in >> engine;
      STRATA_CHECK(!in.fail(), "corrupt random-number state");
      has_rng = true;
    }
    // The layout (which optimisers and schedulers the checkpoint holds), then the model's names and shapes.
    const auto count = [](const std::map<size_t, optim::StateDict>& m) {
      return m.empty() ? size_t{0} : m.rbegin()->first + 1;
    };
    if (module_) {
      STRATA_CHECK(optimizer_state.empty() && count(optimizer_states) == optimizers_.size(),
                   "the checkpoint holds {} optimiser(s), {} configures {}",
                   optimizer_state.empty() ? count(optimizer_states) : size_t{1}, module_->type_name(),
                   optimizers_.size());
      STRATA_CHECK(count(scheduler_states) == schedulers_.size(),
                   "the checkpoint holds {} scheduler(s), {} configures {}", count(scheduler_states),
                   module_->type_name(), schedulers_.size());
    } else {
      STRATA_CHECK(optimizer_states.empty(),
                   "the checkpoint holds {} optimisers (a training module's), this trainer has one",
                   count(optimizer_states));
    }
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", path, e.what());
  }
  // Assign, keeping copies to put back if an optimiser or scheduler refuses its state.
  nn::StateDict model_before;
  {
    NoGradGuard no_grad;
    for (const auto& [k, v] : model_->state_dict()) model_before[k] = v.clone();
  }
  std::vector<optim::StateDict> optimizers_before, schedulers_before;
  for (const auto& o : optimizers_) optimizers_before.push_back(o->state_dict());
  if (module_) {
    for (const auto& sch : schedulers_) schedulers_before.push_back(sch->state_dict());
  } else if (scheduler_) {
    schedulers_before.push_back(scheduler_->state_dict());
  }
  const auto clone_all = [](const optim::StateDict& state) {
    optim::StateDict out;
    for (const auto& [k, v] : state) out[k] = v.clone();
    return out;
  };
  for (auto& st : optimizers_before) st = clone_all(st);
  for (auto& st : schedulers_before) st = clone_all(st);
  try {
    model_->load_state_dict(model_state);
    if (module_) {
      for (size_t i = 0; i < optimizers_.size(); ++i) optimizers_[i]->load_state_dict(optimizer_states[i]);
      for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(scheduler_states[i]);
    } else {
      optimizer_->load_state_dict(optimizer_state);
      if (scheduler_) scheduler_->load_state_dict(scheduler_state);
    }
  } catch (const Error& e) {
    model_->load_state_dict(model_before);
    for (size_t i = 0; i < optimizers_.size(); ++i) optimizers_[i]->load_state_dict(optimizers_before[i]);
    if (module_) {
      for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(schedulers_before[i]);
    } else if (scheduler_) {
      scheduler_->load_state_dict(schedulers_before[0]);
    }
    STRATA_FAIL("{}: {}", path, e.what());
  }
  epoch_ = static_cast<int>(epoch);
  global_step_ = global_step;
  history_ = std::move(history);
  pending_callback_state_ = std::move(callback_state);
  kernels::cpu::set_conv_algorithm_choices(conv_choices);
  if (has_rng) {
    Generator& g = default_generator();
    std::lock_guard lock(g.mutex());
    g.engine() = engine;
  }
}

}  // namespace strata::train
