#pragma once
// Transfer learning in `strata train`: the config's `init:` (weights from another run's checkpoint, with
// entries skipped or renamed) and `freeze:` (parameters that do not train, at first) applied to a freshly
// built model, and the callback that unfreezes them at freeze.unfreeze_at_epoch.
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "strata/nn/module.h"
#include "strata/train/callback.h"

namespace strata::cli {

// Loads init.checkpoint into `model` (skip, rename, strict as configured); returns the lines for the run
// log: what was loaded, skipped, missing, unexpected and mis-shaped. Nothing when the config has no init.
// Throws naming init's line when the file is missing or unreadable, a skip/rename matches nothing, strict
// finds a difference, or no entry fits the model at all.
std::vector<std::string> apply_init(const Config& c, nn::Module& model);
// Freezes the parameters matching freeze.patterns; returns the run log's lines. Throws naming freeze's
// line when a pattern matches no parameter.
std::vector<std::string> apply_freeze(const Config& c, nn::Module& model);
// The callback for freeze.unfreeze_at_epoch, or null when the config does not unfreeze.
std::shared_ptr<train::Callback> make_unfreeze(const Config& c);

}  // namespace strata::cli
