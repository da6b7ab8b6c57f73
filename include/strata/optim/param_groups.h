#pragma once
// Parameter groups chosen by glob patterns on a module's parameter names, for discriminative learning
// rates when fine-tuning:
//   optim::Adam opt(optim::param_groups<optim::AdamOptions>(*net, {{"fc.*", {.lr = 1e-3}},
//                                                                  {"*", {.lr = 1e-4}}}));
#include <string>
#include <vector>

#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"

namespace strata::optim {

// A glob on dotted parameter names (strata/core/glob.h) and the options of the parameters it selects.
template <typename Options>
struct PatternGroup {
  std::string pattern;
  Options options{};
};

namespace detail {
// The parameters of `module` per pattern, each going to the first pattern that matches its name; frozen
// ones are left out unless include_frozen. Throws when a group is empty or a trainable (or, with
// include_frozen, any) parameter matches no pattern.
std::vector<std::vector<Tensor>> match_param_groups(const nn::Module& module,
                                                    const std::vector<std::string>& patterns,
                                                    bool include_frozen);
}  // namespace detail

// One optimiser group per pattern, in order; each parameter joins the first group whose pattern matches
// its name. Frozen parameters (requires_grad false) are left out unless `include_frozen`: keep them in
// when a train::Unfreeze callback will make them trainable later (optimisers skip a parameter while it
// is frozen). Throws when a group gets no parameter or a parameter matches no pattern (end with "*" to
// catch the rest).
template <typename Options>
std::vector<ParamGroup<Options>> param_groups(const nn::Module& module,
                                              const std::vector<PatternGroup<Options>>& groups,
                                              bool include_frozen = false) {
  std::vector<std::string> patterns;
  for (const auto& g : groups) patterns.push_back(g.pattern);
  std::vector<std::vector<Tensor>> params = detail::match_param_groups(module, patterns, include_frozen);
  std::vector<ParamGroup<Options>> out;
  for (size_t i = 0; i < groups.size(); ++i) out.push_back({std::move(params[i]), groups[i].options});
  return out;
}

}  // namespace strata::optim
