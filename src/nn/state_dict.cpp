#include "strata/nn/state_dict.h"

#include "strata/core/glob.h"

namespace strata::nn {

RemappedState remap_state_dict(const StateDict& state, const RemapOptions& options) {
  RemappedState out;
  std::vector<bool> skip_used(options.skip.size(), false), rename_used(options.rename.size(), false);
  std::map<std::string, std::string> source;  // new name -> name as saved, to report collisions
  for (const auto& [name, tensor] : state) {
    // The first matching prefix renames; every prefix that matches counts as used (none is a typo).
    std::string renamed = name;
    bool done = false;
    for (size_t i = 0; i < options.rename.size(); ++i) {
      const auto& [from, to] = options.rename[i];
      if (name.compare(0, from.size(), from) != 0) continue;
      rename_used[i] = true;
      if (!done) renamed = to + name.substr(from.size());
      done = true;
    }
    bool skipped = false;
    for (size_t i = 0; i < options.skip.size(); ++i) {
      if (glob_match(options.skip[i], renamed)) {
        skip_used[i] = true;
        skipped = true;
      }
    }
    if (skipped) {
      out.skipped.push_back(renamed);
      continue;
    }
    STRATA_CHECK(!renamed.empty(), "remap_state_dict: renaming '{}' leaves an empty name", name);
    auto [it, fresh] = source.emplace(renamed, name);
    STRATA_CHECK(fresh, "remap_state_dict: '{}' and '{}' would both be named '{}'", it->second, name,
                 renamed);
    out.state[renamed] = tensor;
  }
  for (size_t i = 0; i < options.skip.size(); ++i) {
    STRATA_CHECK(skip_used[i],
                 "remap_state_dict: skip pattern '{}' matches no entry of the state dict ({} entries)",
                 options.skip[i], state.size());
  }
  for (size_t i = 0; i < options.rename.size(); ++i) {
    STRATA_CHECK(
        rename_used[i],
        "remap_state_dict: no entry of the state dict starts with the rename prefix '{}' ({} entries)",
        options.rename[i].first, state.size());
  }
  return out;
}

}  // namespace strata::nn
