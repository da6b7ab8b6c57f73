#pragma once
// The config's `prune:` section in `strata train`: channel pruning applied to the freshly built (and
// initialised) model before training, or magnitude masks held by a schedule through training and made
// permanent at the end (see docs/compression.md).
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "strata/compress/prune_schedule.h"
#include "strata/nn/module.h"

namespace strata::cli {

// With prune.method channels: the smaller network compress::prune_channels makes of `model` (its channel
// counts depend only on the config, so `strata eval` rebuilds the same shapes before loading a checkpoint);
// `log` gets one line per pruned convolution. Any other method: `model` itself.
std::shared_ptr<nn::Module> prune_channels_for(const Config& c, const std::shared_ptr<nn::Module>& model,
                                               std::vector<std::string>* log = nullptr);

// Magnitude pruning in training: the masks (remove() them after training) and the callback holding them.
struct MagnitudePruning {
  std::shared_ptr<compress::PruningMasks> masks;
  std::shared_ptr<compress::PruningSchedule> schedule;
};

// With prune.method global or layer: the training callback that prunes the chosen weights of `model` on
// the configured schedule (polynomial end_step 0: 3/4 of `total_steps`; frequency 0: a twentieth of the
// span) and its masks; nulls for no pruning or channels. Throws naming prune's line when a layer
// glob matches no prunable layer or the schedule does not fit in `total_steps`.
MagnitudePruning make_pruning_schedule(const Config& c, nn::Module& model, int64_t total_steps);

}  // namespace strata::cli
