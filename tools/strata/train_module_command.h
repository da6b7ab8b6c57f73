#pragma once
// `strata train` for a config whose model is a training module (dcgan, cgan, wgan_gp, ...): the module writes
// its own training step; the run folder gets metrics.csv, curves.png, last.safetensors (every network and
// optimiser) and whatever the module writes per epoch (a GAN's sample grids).
#include <memory>
#include <string>

#include "config.h"
#include "strata/data/dataloader.h"
#include "strata/train/training_module.h"
#include "training_data.h"

namespace strata::cli {

// Sets the module's per-network optimisers from the config's `optimizers:`; throws naming the field of an
// unknown network.
void apply_optimizers(const Config& c, train::TrainingModule& module);
// Trains `module` on train_loader (the test split as validation, for modules that log in validation_step),
// writes the run files into `out` and prints the last epoch's logs as one JSON line; returns 0.
int run_train_module(const Config& c, const TrainingData& d,
                     const std::shared_ptr<train::TrainingModule>& module, data::DataLoader& train_loader,
                     data::DataLoader& test_loader, const std::string& out, bool progress);

}  // namespace strata::cli
