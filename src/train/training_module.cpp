#include "strata/train/training_module.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "strata/core/error.h"

namespace strata::train {

void LogAccumulator::add(const std::string& name, double value, double weight) {
  STRATA_CHECK(!name.empty(), "StepContext::log: empty name");
  auto [it, inserted] = sums_.try_emplace(name, 0.0, 0.0);
  if (inserted) order_.push_back(name);
  it->second.first += value * weight;
  it->second.second += weight;
}

std::map<std::string, double> LogAccumulator::means() const {
  std::map<std::string, double> out;
  for (const auto& [name, sw] : sums_) out[name] = sw.second > 0 ? sw.first / sw.second : sw.first;
  return out;
}

std::string LogAccumulator::text() const {
  std::string out;
  for (const std::string& name : order_) {
    const auto& [sum, weight] = sums_.at(name);
    out += fmt::format("{}{} {:.4f}", out.empty() ? "" : " ", name, weight > 0 ? sum / weight : sum);
  }
  return out;
}

void LogAccumulator::clear() {
  sums_.clear();
  order_.clear();
}

StepContext::StepContext(std::vector<std::shared_ptr<optim::Optimizer>> optimizers, LogAccumulator& logs,
                         int64_t global_step, int epoch, int64_t batch_size)
    : optimizers_(std::move(optimizers)),
      logs_(&logs),
      global_step_(global_step),
      epoch_(epoch),
      batch_size_(batch_size) {}

optim::Optimizer& StepContext::optimizer(size_t i) {
  STRATA_CHECK(i < optimizers_.size(),
               "StepContext::optimizer: index {} out of range ({} optimiser(s) configured)", i,
               optimizers_.size());
  return *optimizers_[i];
}

void StepContext::log(const std::string& name, double value) {
  logs_->add(name, value, static_cast<double>(std::max<int64_t>(batch_size_, 1)));
}

Generator& StepContext::generator() { return default_generator(); }

void TrainingModule::set_optimizer_factory(const std::string& name, OptimizerFactory factory) {
  const std::vector<std::string> names = optimizer_names();
  STRATA_CHECK(std::find(names.begin(), names.end(), name) != names.end(),
               "{}: no network '{}' to set an optimiser for (its networks: {})", type_name(), name,
               fmt::join(names, ", "));
  STRATA_CHECK(static_cast<bool>(factory), "{}: empty optimiser factory for '{}'", type_name(), name);
  optimizer_factories_[name] = std::move(factory);
}

std::shared_ptr<optim::Optimizer> TrainingModule::make_optimizer(const std::string& name,
                                                                 const std::vector<Tensor>& params,
                                                                 const OptimizerFactory& fallback) const {
  auto it = optimizer_factories_.find(name);
  std::shared_ptr<optim::Optimizer> opt =
      it != optimizer_factories_.end() ? it->second(params) : fallback(params);
  STRATA_CHECK(opt != nullptr, "{}: the optimiser factory for '{}' returned null", type_name(), name);
  return opt;
}

}  // namespace strata::train
