#include "strata/tune/searcher.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "strata/core/error.h"
#include "strata/tune/acquisition.h"

namespace strata::tune {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) from 53 random bits: the same numbers on every platform.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller (portable, unlike std::normal_distribution).
double gaussian(std::mt19937_64& rng) {
  const double u1 = std::max(unit(rng), 1e-300), u2 = unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

bool same_assignment(const Assignment& a, const Assignment& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || !values_equal(ia->second, ib->second)) return false;
  }
  return true;
}

// Per-parameter grid values.
std::vector<Value> grid_values(const Param& p, int resolution) {
  const int res = p.grid_points > 0 ? p.grid_points : resolution;
  if (p.distribution == Distribution::Choice) return p.choices;
  std::vector<Value> out;
  if (p.distribution == Distribution::Int && p.cardinality() <= res) {
    for (int64_t v = static_cast<int64_t>(p.low); v <= static_cast<int64_t>(p.high); ++v) out.push_back(v);
    return out;
  }
  for (int k = 0; k < res; ++k) {
    const double u = res == 1 ? 0.5 : static_cast<double>(k) / (res - 1);
    Value v;
    if (p.distribution == Distribution::Int) {
      // Spread over the integers themselves (low and high included), log-spaced when log.
      const double x = p.log ? std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)))
                             : p.low + u * (p.high - p.low);
      v = static_cast<int64_t>(std::clamp(std::round(x), p.low, p.high));
    } else {
      // 12 significant digits: 0.001 rather than 0.0010000000000000002 for readable grids.
      v = std::clamp(std::stod(fmt::format("{:.12g}", to_double(p.from_unit(u)))), p.low, p.high);
    }
    if (out.empty() || !values_equal(out.back(), v)) out.push_back(v);
  }
  return out;
}

void enumerate_grid(const SearchSpace& space, const std::vector<std::vector<Value>>& values, size_t index,
                    Assignment& current, std::vector<Assignment>& out, int64_t max_points) {
  if (index == space.size()) {
    STRATA_CHECK(static_cast<int64_t>(out.size()) < max_points,
                 "grid search: the grid has more than {} points; lower the resolution or use random or bayes",
                 max_points);
    out.push_back(current);
    return;
  }
  const Param& p = space.params()[index];
  if (!space.is_active(p, current)) {
    enumerate_grid(space, values, index + 1, current, out, max_points);
    return;
  }
  for (const Value& v : values[index]) {
    current[p.name] = v;
    enumerate_grid(space, values, index + 1, current, out, max_points);
  }
  current.erase(p.name);
}

// ---- TPE helpers -----------------------------------------------------------------------------------------

struct Parzen {
  std::vector<double> mu, sigma, weight;  // truncated normals on [0, 1]
};

// Components at each point plus a broad prior at 0.5; bandwidths from the gaps to the neighbours.
Parzen make_parzen(std::vector<double> points, double prior_weight) {
  Parzen z;
  std::vector<double> all = points;
  all.push_back(0.5);
  std::sort(all.begin(), all.end());
  const double n = static_cast<double>(all.size());
  const double min_sigma = 1.0 / std::min(100.0, 1.0 + n), max_sigma = 1.0;
  for (size_t i = 0; i < all.size(); ++i) {
    const double left = i > 0 ? all[i] - all[i - 1] : all[i];
    const double right = i + 1 < all.size() ? all[i + 1] - all[i] : 1.0 - all[i];
    z.mu.push_back(all[i]);
    z.sigma.push_back(std::clamp(std::max(left, right), min_sigma, max_sigma));
    z.weight.push_back(1.0);
  }
  // The prior component is the broad one at 0.5 with its own weight.
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == 0.5) {
      z.sigma[i] = 1.0;
      z.weight[i] = prior_weight;
      break;
    }
  }
  const double total = std::accumulate(z.weight.begin(), z.weight.end(), 0.0);
  for (double& w : z.weight) w /= total;
  return z;
}

double log_parzen(const Parzen& z, double x) {
  double p = 0;
  for (size_t i = 0; i < z.mu.size(); ++i) {
    const double s = z.sigma[i];
    const double mass = normal_cdf((1 - z.mu[i]) / s) - normal_cdf(-z.mu[i] / s);
    p += z.weight[i] * normal_pdf((x - z.mu[i]) / s) / (s * std::max(mass, 1e-12));
  }
  return std::log(std::max(p, 1e-300));
}

double sample_parzen(const Parzen& z, std::mt19937_64& rng) {
  double r = unit(rng);
  size_t k = 0;
  while (k + 1 < z.weight.size() && r >= z.weight[k]) r -= z.weight[k++];
  for (int attempt = 0; attempt < 100; ++attempt) {
    const double x = z.mu[k] + z.sigma[k] * gaussian(rng);
    if (x >= 0 && x <= 1) return x;
  }
  return std::clamp(z.mu[k], 0.0, 1.0);
}

}  // namespace

// ---- Searcher ---------------------------------------------------------------------------------------------

Searcher::Searcher(SearchSpace space, uint64_t seed) : space_(std::move(space)), seed_(seed) {
  STRATA_CHECK(!space_.empty(), "searcher: the search space is empty");
}

std::optional<Assignment> Searcher::suggest(int64_t trial) {
  STRATA_CHECK(trial >= 0, "{} searcher: trial numbers start at 0, got {}", name(), trial);
  std::optional<Assignment> a = propose(trial);
  if (a) pending_[trial] = *a;
  return a;
}

void Searcher::observe(int64_t trial, const Assignment& params, double loss) {
  STRATA_CHECK(std::isfinite(loss), "{} searcher: trial {} reported a loss of {}", name(), trial, loss);
  space_.validate(params);
  pending_.erase(trial);
  observations_.push_back({trial, params, loss});
}

void Searcher::forget(int64_t trial) { pending_.erase(trial); }

const Observation& Searcher::best() const {
  STRATA_CHECK(!observations_.empty(), "{} searcher: no observations yet", name());
  return *std::min_element(observations_.begin(), observations_.end(),
                           [](const Observation& a, const Observation& b) { return a.loss < b.loss; });
}

std::mt19937_64 Searcher::trial_rng(int64_t trial, uint64_t stream) const {
  return std::mt19937_64(
      splitmix64(splitmix64(seed_) ^ splitmix64(static_cast<uint64_t>(trial) * 31 + stream)));
}

bool Searcher::seen(const Assignment& params) const {
  for (const Observation& o : observations_) {
    if (same_assignment(o.params, params)) return true;
  }
  for (const auto& [t, a] : pending_) {
    if (same_assignment(a, params)) return true;
  }
  return false;
}

Assignment Searcher::random_unseen(int64_t trial) const {
  std::mt19937_64 rng = trial_rng(trial);
  Assignment a = space_.sample(rng);
  for (int attempt = 0; attempt < 20 && seen(a); ++attempt) a = space_.sample(rng);
  return a;
}

// ---- grid and random -------------------------------------------------------------------------------------

GridSearcher::GridSearcher(SearchSpace space, GridOptions options)
    : Searcher(std::move(space), options.seed) {
  STRATA_CHECK(options.resolution >= 1, "grid search: resolution must be at least 1, got {}",
               options.resolution);
  std::vector<std::vector<Value>> values;
  for (const Param& p : space_.params()) values.push_back(grid_values(p, options.resolution));
  Assignment current;
  enumerate_grid(space_, values, 0, current, points_, options.max_points);
  if (options.shuffle) {
    std::mt19937_64 rng = trial_rng(-1);
    for (size_t i = points_.size(); i > 1; --i) std::swap(points_[i - 1], points_[rng() % i]);
  }
}

std::optional<Assignment> GridSearcher::propose(int64_t /*trial*/) {
  for (const Assignment& a : points_) {
    if (!seen(a)) return a;
  }
  return std::nullopt;
}

std::optional<Assignment> RandomSearcher::propose(int64_t trial) { return random_unseen(trial); }

// ---- Bayesian optimisation --------------------------------------------------------------------------------

BayesSearcher::BayesSearcher(SearchSpace space, BayesOptions options)
    : Searcher(std::move(space), options.seed), options_(options) {
  STRATA_CHECK(options_.initial_points >= 0, "bayes searcher: initial_points must be >= 0, got {}",
               options_.initial_points);
  STRATA_CHECK(options_.candidates >= 1 && options_.local_starts >= 0,
               "bayes searcher: candidates must be >= 1 and local_starts >= 0");
  initial_points_ =
      options_.initial_points > 0 ? options_.initial_points : std::clamp(1 + space_.encoded_size(), 4, 10);
}

std::optional<Assignment> BayesSearcher::propose(int64_t trial) {
  if (static_cast<int>(observations_.size()) < initial_points_) return random_unseen(trial);

  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (const Observation& o : observations_) {
    x.push_back(space_.encode(o.params));
    y.push_back(o.loss);
  }
  GPOptions gp_options = options_.gp;
  gp_options.seed = splitmix64(seed_ ^ static_cast<uint64_t>(trial));
  const GPHyperparameters* initial = last_hyper_ ? &*last_hyper_ : nullptr;
  gp_.fit(x, y, gp_options, initial);
  last_hyper_ = gp_.hyperparameters();
  const double best = *std::min_element(y.begin(), y.end());
  double mean = 0, var = 0;
  for (double v : y) mean += v;
  mean /= static_cast<double>(y.size());
  for (double v : y) var += (v - mean) * (v - mean);
  const double scale = y.size() > 1 ? std::sqrt(var / static_cast<double>(y.size())) : 1.0;
  if (!pending_.empty()) {
    // Kriging believer: pretend the pending trials returned the model's mean.
    for (const auto& [t, a] : pending_) {
      x.push_back(space_.encode(a));
      y.push_back(gp_.predict(x.back()).mean);
    }
    gp_.refit(x, y);
  }

  auto score = [&](const std::vector<double>& u) {
    const GPPrediction p = gp_.predict(space_.encode(space_.from_unit(u)));
    const double sd = std::sqrt(p.variance);
    return options_.acquisition == Acquisition::ExpectedImprovement
               ? expected_improvement(p.mean, sd, best, options_.xi * scale)
               : upper_confidence_bound(p.mean, sd, options_.kappa);
  };

  // Candidates: random points, and perturbations of the best observed points.
  std::mt19937_64 rng = trial_rng(trial, 1);
  const size_t dims = space_.size();
  std::vector<std::pair<double, std::vector<double>>> cands;
  for (int i = 0; i < options_.candidates; ++i) {
    std::vector<double> u(dims);
    for (double& v : u) v = unit(rng);
    cands.emplace_back(score(u), std::move(u));
  }
  std::vector<size_t> order(observations_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return observations_[a].loss < observations_[b].loss; });
  const size_t top = std::min<size_t>(5, order.size());
  for (size_t k = 0; k < top; ++k) {
    const std::vector<double> base = space_.to_unit(observations_[order[k]].params);
    for (int i = 0; i < 40; ++i) {
      std::vector<double> u = base;
      const double sd = i < 20 ? 0.02 : 0.1;
      for (size_t j = 0; j < dims; ++j) {
        if (space_.params()[j].distribution == Distribution::Choice) {
          if (unit(rng) < 0.2) u[j] = unit(rng);
        } else {
          u[j] = std::clamp(u[j] + sd * gaussian(rng), 0.0, 1.0);
        }
      }
      cands.emplace_back(score(u), std::move(u));
    }
  }
  std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.first > b.first; });

  // Pattern search from the best few candidates.
  const size_t starts = std::min<size_t>(static_cast<size_t>(options_.local_starts), cands.size());
  for (size_t s = 0; s < starts; ++s) {
    std::vector<double> u = cands[s].second;
    double f = cands[s].first;
    for (double step : {0.1, 0.03, 0.01, 0.003}) {
      for (int sweep = 0; sweep < 8; ++sweep) {
        bool improved = false;
        for (size_t j = 0; j < dims; ++j) {
          const Param& p = space_.params()[j];
          std::vector<double> tries;
          if (p.distribution == Distribution::Choice) {
            if (step != 0.1) continue;  // categories only need one pass
            const auto k = static_cast<double>(p.choices.size());
            for (size_t c = 0; c < p.choices.size(); ++c) tries.push_back((static_cast<double>(c) + 0.5) / k);
          } else {
            tries = {std::clamp(u[j] - step, 0.0, 1.0), std::clamp(u[j] + step, 0.0, 1.0)};
          }
          for (double t : tries) {
            if (t == u[j]) continue;
            const double old = u[j];
            u[j] = t;
            const double ft = score(u);
            if (ft > f) {
              f = ft, improved = true;
            } else {
              u[j] = old;
            }
          }
        }
        if (!improved) break;
      }
    }
    cands[s] = {f, u};
  }
  std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [f, u] : cands) {
    Assignment a = space_.from_unit(u);
    if (!seen(a)) return a;
  }
  return random_unseen(trial);
}

// ---- TPE --------------------------------------------------------------------------------------------------

TPESearcher::TPESearcher(SearchSpace space, TPEOptions options)
    : Searcher(std::move(space), options.seed), options_(options) {
  STRATA_CHECK(options_.gamma > 0 && options_.gamma < 1, "tpe searcher: gamma must be in (0, 1), got {}",
               options_.gamma);
  STRATA_CHECK(options_.candidates >= 1, "tpe searcher: candidates must be >= 1, got {}",
               options_.candidates);
}

std::optional<Assignment> TPESearcher::propose(int64_t trial) {
  const auto n = static_cast<int64_t>(observations_.size());
  if (n < std::max(options_.startup_trials, 2)) return random_unseen(trial);
  std::vector<const Observation*> sorted;
  for (const Observation& o : observations_) sorted.push_back(&o);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Observation* a, const Observation* b) { return a->loss < b->loss; });
  const auto n_good =
      std::clamp<int64_t>(static_cast<int64_t>(std::ceil(options_.gamma * static_cast<double>(n))), 1,
                          std::min<int64_t>(25, n - 1));
  std::mt19937_64 rng = trial_rng(trial, 2);
  Assignment a;
  for (const Param& p : space_.params()) {
    if (!space_.is_active(p, a)) continue;
    std::vector<double> good, bad;
    for (int64_t i = 0; i < n; ++i) {
      auto it = sorted[static_cast<size_t>(i)]->params.find(p.name);
      if (it == sorted[static_cast<size_t>(i)]->params.end()) continue;
      (i < n_good ? good : bad).push_back(p.to_unit(it->second));
    }
    if (p.distribution == Distribution::Choice) {
      const size_t k = p.choices.size();
      std::vector<double> lw(k, options_.prior_weight / static_cast<double>(k)), gw = lw;
      for (double u : good) lw[std::min(k - 1, static_cast<size_t>(u * static_cast<double>(k)))] += 1;
      for (double u : bad) gw[std::min(k - 1, static_cast<size_t>(u * static_cast<double>(k)))] += 1;
      const double lt = std::accumulate(lw.begin(), lw.end(), 0.0),
                   gt = std::accumulate(gw.begin(), gw.end(), 0.0);
      size_t pick = 0;
      double best = -std::numeric_limits<double>::infinity();
      for (int c = 0; c < options_.candidates; ++c) {
        double r = unit(rng) * lt;
        size_t j = 0;
        while (j + 1 < k && r >= lw[j]) r -= lw[j++];
        const double ratio = std::log(lw[j] / lt) - std::log(gw[j] / gt);
        if (ratio > best) best = ratio, pick = j;
      }
      a[p.name] = p.choices[pick];
      continue;
    }
    const Parzen l = make_parzen(good, options_.prior_weight), g = make_parzen(bad, options_.prior_weight);
    double pick = 0.5, best = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < options_.candidates; ++c) {
      const double u = sample_parzen(l, rng);
      const double ratio = log_parzen(l, u) - log_parzen(g, u);
      if (ratio > best) best = ratio, pick = u;
    }
    a[p.name] = p.from_unit(pick);
  }
  if (seen(a)) return random_unseen(trial);
  return a;
}

// ---- factory ----------------------------------------------------------------------------------------------

std::unique_ptr<Searcher> make_searcher(const std::string& method, const SearchSpace& space, uint64_t seed,
                                        int grid_resolution) {
  if (method == "grid")
    return std::make_unique<GridSearcher>(space, GridOptions{.resolution = grid_resolution, .seed = seed});
  if (method == "random") return std::make_unique<RandomSearcher>(space, seed);
  if (method == "bayes" || method == "bo" || method == "gp") {
    return std::make_unique<BayesSearcher>(space, BayesOptions{.seed = seed});
  }
  if (method == "tpe") return std::make_unique<TPESearcher>(space, TPEOptions{.seed = seed});
  STRATA_FAIL("tune: unknown method '{}' (known: grid, random, bayes, tpe)", method);
}

std::vector<std::string> searcher_names() { return {"grid", "random", "bayes", "tpe"}; }

}  // namespace strata::tune
