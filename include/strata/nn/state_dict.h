#pragma once
// Preparing a state dict for a model it was not saved from (transfer learning): drop entries by glob and
// rename prefixes, before Module::load_state_dict. The CLI's `init:` section runs the same function.
#include <string>
#include <utility>
#include <vector>

#include "strata/nn/module.h"

namespace strata::nn {

struct RemapOptions {
  // Entries whose name (after `rename`: the model's names) matches any of these globs
  // (strata/core/glob.h) are dropped, e.g. {"fc.*"} to keep a new head's fresh initialisation.
  std::vector<std::string> skip{};
  // (from, to) prefix renames applied first; the first `from` that starts a name replaces that prefix by
  // `to`, e.g. {{"backbone.", ""}}, {{"features.", "encoder."}}, or {{"", "model."}} to add one.
  std::vector<std::pair<std::string, std::string>> rename{};
};

// A remapped state dict and the (renamed) names that `skip` dropped.
struct RemappedState {
  StateDict state;
  std::vector<std::string> skipped;
};

// Applies `options` to `state`. Throws when a skip glob or a rename prefix matches no entry (a typo must
// not silently do nothing) and when two entries would get the same name.
RemappedState remap_state_dict(const StateDict& state, const RemapOptions& options);

}  // namespace strata::nn
