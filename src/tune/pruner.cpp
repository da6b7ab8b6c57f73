#include "strata/tune/pruner.h"

#include <algorithm>
#include <cmath>

#include "strata/core/error.h"

namespace strata::tune {

bool Pruner::report(int64_t trial, int step, double loss) {
  STRATA_CHECK(step >= 1, "{} pruner: steps count from 1, got {}", name(), step);
  std::lock_guard<std::mutex> lock(mutex_);
  // A trial whose loss is not a number (diverged) stops at once.
  if (!std::isfinite(loss)) return true;
  return decide(trial, step, loss);
}

// ---- median ----------------------------------------------------------------------------------------------

MedianPruner::MedianPruner(MedianOptions options) : options_(options) {
  STRATA_CHECK(options_.startup_trials >= 1, "median pruner: startup_trials must be >= 1, got {}",
               options_.startup_trials);
  STRATA_CHECK(options_.warmup_steps >= 0, "median pruner: warmup_steps must be >= 0, got {}",
               options_.warmup_steps);
}

bool MedianPruner::decide(int64_t trial, int step, double loss) {
  auto [it, inserted] = best_.emplace(trial, loss);
  if (!inserted) it->second = std::min(it->second, loss);
  std::map<int64_t, double>& at_step = values_[step];
  at_step[trial] = loss;
  if (step < options_.warmup_steps) return false;
  std::vector<double> others;
  for (const auto& [t, v] : at_step) {
    if (t != trial) others.push_back(v);
  }
  if (static_cast<int>(others.size()) < options_.startup_trials) return false;
  std::sort(others.begin(), others.end());
  const size_t n = others.size();
  const double median = n % 2 ? others[n / 2] : 0.5 * (others[n / 2 - 1] + others[n / 2]);
  return it->second > median;
}

// ---- successive halving ----------------------------------------------------------------------------------

SuccessiveHalvingPruner::SuccessiveHalvingPruner(SuccessiveHalvingOptions options) : options_(options) {
  STRATA_CHECK(options_.min_resource >= 1, "successive halving: min_resource must be >= 1, got {}",
               options_.min_resource);
  STRATA_CHECK(options_.reduction_factor >= 2, "successive halving: reduction_factor must be >= 2, got {}",
               options_.reduction_factor);
  STRATA_CHECK(options_.max_resource >= 0, "successive halving: max_resource must be >= 0, got {}",
               options_.max_resource);
}

std::vector<int> SuccessiveHalvingPruner::rungs() const {
  std::vector<int> out;
  int64_t r = options_.min_resource;
  while ((options_.max_resource == 0 || r < options_.max_resource) && r < (int64_t{1} << 30)) {
    out.push_back(static_cast<int>(r));
    r *= options_.reduction_factor;
  }
  return out;
}

bool SuccessiveHalvingPruner::decide(int64_t /*trial*/, int step, double loss) {
  const std::vector<int> steps = rungs();
  if (std::find(steps.begin(), steps.end(), step) == steps.end()) return false;
  std::vector<double>& values = rung_values_[step];
  values.push_back(loss);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  // The best floor(n / eta) go on; with fewer than eta competitors only the best does.
  const int64_t keep = std::max<int64_t>(static_cast<int64_t>(sorted.size()) / options_.reduction_factor, 1);
  return loss > sorted[static_cast<size_t>(keep - 1)];
}

// ---- hyperband -------------------------------------------------------------------------------------------

HyperbandPruner::HyperbandPruner(HyperbandOptions options) : options_(options) {
  STRATA_CHECK(options_.min_resource >= 1, "hyperband: min_resource must be >= 1, got {}",
               options_.min_resource);
  STRATA_CHECK(options_.max_resource >= options_.min_resource,
               "hyperband: max_resource ({}) must be at least min_resource ({})", options_.max_resource,
               options_.min_resource);
  STRATA_CHECK(options_.reduction_factor >= 2, "hyperband: reduction_factor must be >= 2, got {}",
               options_.reduction_factor);
  const int eta = options_.reduction_factor;
  int s_max = 0;
  for (int64_t r = options_.min_resource; r * eta <= options_.max_resource; r *= eta) ++s_max;
  // Bracket b starts at min_resource * eta^b and halves s = s_max - b times; Hyperband gives it
  // ceil((s_max + 1) / (s + 1) * eta^s) configurations.
  std::vector<double> weight;
  int64_t start = options_.min_resource;
  for (int b = 0; b <= s_max; ++b, start *= eta) {
    brackets_.push_back(std::make_unique<SuccessiveHalvingPruner>(
        SuccessiveHalvingOptions{.min_resource = static_cast<int>(start),
                                 .reduction_factor = eta,
                                 .max_resource = options_.max_resource}));
    const int s = s_max - b;
    weight.push_back(std::ceil((s_max + 1.0) / (s + 1.0) * std::pow(eta, s)));
  }
  // Smooth weighted round robin: the brackets interleave in proportion to their sizes.
  double total = 0;
  for (double w : weight) total += w;
  std::vector<double> current(weight.size(), 0.0);
  for (int i = 0; i < static_cast<int>(total); ++i) {
    size_t pick = 0;
    for (size_t b = 0; b < weight.size(); ++b) {
      current[b] += weight[b];
      if (current[b] > current[pick]) pick = b;
    }
    current[pick] -= total;
    schedule_.push_back(static_cast<int>(pick));
  }
}

int HyperbandPruner::bracket_of(int64_t trial) const {
  return schedule_[static_cast<size_t>(trial % static_cast<int64_t>(schedule_.size()))];
}

bool HyperbandPruner::decide(int64_t trial, int step, double loss) {
  // Each bracket keeps its own rungs: trials only compete within their bracket.
  return brackets_[static_cast<size_t>(bracket_of(trial))]->report(trial, step, loss);
}

std::unique_ptr<Pruner> make_pruner(const std::string& name, int max_resource) {
  if (name.empty() || name == "none") return nullptr;
  if (name == "median") return std::make_unique<MedianPruner>();
  if (name == "successive_halving" || name == "sha" || name == "asha") {
    return std::make_unique<SuccessiveHalvingPruner>(SuccessiveHalvingOptions{.max_resource = max_resource});
  }
  if (name == "hyperband") {
    return std::make_unique<HyperbandPruner>(HyperbandOptions{.max_resource = std::max(max_resource, 1)});
  }
  STRATA_FAIL("tune: unknown pruner '{}' (known: none, median, successive_halving, hyperband)", name);
}

}  // namespace strata::tune
