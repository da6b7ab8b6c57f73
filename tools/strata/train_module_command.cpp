#include "train_module_command.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "strata/io/atomic_file.h"
#include "strata/optim/registry.h"
#include "strata/train/callback.h"
#include "strata/train/trainer.h"

namespace strata::cli {

namespace fs = std::filesystem;

void apply_optimizers(const Config& c, train::TrainingModule& module) {
  for (const auto& [network, oc] : c.optimizers) {
    try {
      module.set_optimizer_factory(network, [oc = oc](const std::vector<Tensor>& params) {
        return optim::create_optimizer(oc.name, {{.params = params, .lr = oc.lr}}, oc.options);
      });
    } catch (const Error& e) {
      STRATA_FAIL("{}: field 'optimizers.{}': {}", c.path, network, e.what());
    }
  }
}

int run_train_module(const Config& c, const TrainingData& d,
                     const std::shared_ptr<train::TrainingModule>& module, data::DataLoader& train_loader,
                     data::DataLoader& test_loader, const std::string& out, bool progress) {
  const auto start = std::chrono::steady_clock::now();
  apply_optimizers(c, *module);
  train::Trainer trainer(module);
  std::vector<std::shared_ptr<train::Callback>> callbacks;
  callbacks.push_back(std::make_shared<train::ModelCheckpoint>(
      train::ModelCheckpointOptions{.dir = out, .save_best = false, .save_last = true}));
  std::error_code error;
  fs::create_directories(out, error);
  STRATA_CHECK(!error, "cannot create the run folder {}: {}", out, error.message());
  io::write_file_atomic(out + "/config.yaml", to_yaml(c));
  const std::string name = c.name.empty() ? fs::path(c.path).stem().string() : c.name;
  std::cerr << fmt::format(
      "strata train: {} ({}, {} parameters, {} optimisers) on {} ({} train) for {} epoch{} -> {}\n", name,
      module->type_name(), module->num_parameters(), trainer.optimizers().size(), d.description,
      d.train->size(), c.training.epochs, c.training.epochs == 1 ? "" : "s", out);
  const train::History history = trainer.fit(train_loader, {.epochs = c.training.epochs,
                                                            .validation = &test_loader,
                                                            .callbacks = callbacks,
                                                            .out_dir = out,
                                                            .progress = progress});
  std::string json;
  if (!history.epochs.empty()) {
    for (const auto& [k, v] : history.epochs.back()) {
      if (k == "seconds") continue;
      json += fmt::format("{}\"{}\": {}", json.empty() ? "" : ", ", k,
                          std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string("null"));
    }
  }
  json += fmt::format("{}\"epochs\": {}, \"seconds\": {:.2f}", json.empty() ? "" : ", ", trainer.epoch(),
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::cout << "{" << json << "}" << std::endl;
  return 0;
}

}  // namespace strata::cli
