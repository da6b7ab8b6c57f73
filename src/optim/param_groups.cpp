#include "strata/optim/param_groups.h"

#include <fmt/ranges.h>

#include "strata/core/glob.h"

namespace strata::optim::detail {

std::vector<std::vector<Tensor>> match_param_groups(const nn::Module& module,
                                                    const std::vector<std::string>& patterns,
                                                    bool include_frozen) {
  STRATA_CHECK(!patterns.empty(), "param_groups: no groups given (use {{\"*\", options}} for one group)");
  std::vector<std::vector<Tensor>> groups(patterns.size());
  std::vector<int64_t> frozen(patterns.size(), 0);  // frozen matches left out, for the empty-group error
  std::vector<std::string> unmatched;
  for (const auto& [name, p] : module.named_parameters(true)) {
    size_t g = 0;
    while (g < patterns.size() && !glob_match(patterns[g], name)) ++g;
    if (g == patterns.size()) {
      if (include_frozen || p.requires_grad()) unmatched.push_back(name);
      continue;
    }
    if (!include_frozen && !p.requires_grad()) {
      ++frozen[g];
      continue;
    }
    groups[g].push_back(p);
  }
  if (!unmatched.empty()) {
    if (unmatched.size() > 8) {
      const size_t more = unmatched.size() - 8;
      unmatched.resize(8);
      unmatched.push_back(fmt::format("... ({} more)", more));
    }
    STRATA_FAIL("param_groups: parameter(s) {} of {} match no group ({}); end with a \"*\" group for the rest, "
                "or freeze them",
                fmt::join(unmatched, ", "), module.type_name(), fmt::join(patterns, ", "));
  }
  for (size_t g = 0; g < patterns.size(); ++g) {
    if (!groups[g].empty()) continue;
    if (frozen[g] > 0) {
      STRATA_FAIL(
          "param_groups: group {} ('{}') is empty: the {} parameter(s) it matches are frozen (pass "
          "include_frozen to keep them for a later unfreeze)",
          g, patterns[g], frozen[g]);
    }
    STRATA_FAIL("param_groups: group {} ('{}') matches no parameter of {}{}", g, patterns[g], module.type_name(),
                g > 0 ? " that an earlier group did not take" : "");
  }
  return groups;
}

}  // namespace strata::optim::detail
