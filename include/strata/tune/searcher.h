#pragma once
// Searchers propose configurations from a SearchSpace and learn from their results: grid search, random
// search, Bayesian optimisation with a Gaussian process, and the tree-structured Parzen estimator (TPE).
// Searchers minimise: the Tuner passes the negated metric when it maximises. Every random choice is drawn
// from (seed, trial number), so a run is reproducible and a resumed run continues where it stopped.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "strata/tune/gaussian_process.h"
#include "strata/tune/space.h"

namespace strata::tune {

struct Observation {
  int64_t trial = 0;
  Assignment params;
  double loss = 0.0;  // lower is better
};

class Searcher {
 public:
  Searcher(SearchSpace space, uint64_t seed);
  virtual ~Searcher() = default;
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  // "grid", "random", "bayes", "tpe".
  virtual std::string name() const = 0;
  // The configuration for trial `trial` (numbered from 0), or nullopt when the searcher has nothing left
  // (a finished grid). It stays pending, and other suggestions avoid it, until observe() or forget().
  std::optional<Assignment> suggest(int64_t trial);
  // The result of a trial: `loss` (lower is better). Trials the searcher did not suggest are welcome too
  // (a resumed run replays its history this way).
  void observe(int64_t trial, const Assignment& params, double loss);
  // Drops a pending trial that produced no result (it failed).
  void forget(int64_t trial);

  const SearchSpace& space() const { return space_; }
  uint64_t seed() const { return seed_; }
  const std::vector<Observation>& observations() const { return observations_; }
  const std::map<int64_t, Assignment>& pending() const { return pending_; }
  // The observation with the lowest loss; throws when there is none.
  const Observation& best() const;

 protected:
  virtual std::optional<Assignment> propose(int64_t trial) = 0;
  // A generator for trial `trial`: the same numbers for the same (seed, trial, stream).
  std::mt19937_64 trial_rng(int64_t trial, uint64_t stream = 0) const;
  // True when `params` was observed or is pending.
  bool seen(const Assignment& params) const;
  // A random configuration for `trial`, redrawn a few times when it was already seen.
  Assignment random_unseen(int64_t trial) const;

  SearchSpace space_;
  uint64_t seed_;
  std::vector<Observation> observations_;
  std::map<int64_t, Assignment> pending_;
};

struct GridOptions {
  int resolution = 5;    // points per continuous parameter (and per int range wider than this)
  bool shuffle = false;  // visit the grid in a seeded random order instead of row-major order
  uint64_t seed = 0;
  int64_t max_points = 1000000;
};

// Every combination of per-parameter values (choices, ints, `resolution` evenly spaced reals on the unit
// scale, i.e. geometrically for log parameters), the first parameter varying slowest; conditional
// parameters only branch where they are active.
class GridSearcher : public Searcher {
 public:
  explicit GridSearcher(SearchSpace space, GridOptions options = {});
  std::string name() const override { return "grid"; }
  // The grid in visiting order.
  const std::vector<Assignment>& points() const { return points_; }

 protected:
  std::optional<Assignment> propose(int64_t trial) override;

 private:
  std::vector<Assignment> points_;
};

// Independent draws from the space (log-uniform for log parameters).
class RandomSearcher : public Searcher {
 public:
  explicit RandomSearcher(SearchSpace space, uint64_t seed = 0) : Searcher(std::move(space), seed) {}
  std::string name() const override { return "random"; }

 protected:
  std::optional<Assignment> propose(int64_t trial) override;
};

enum class Acquisition { ExpectedImprovement, UpperConfidenceBound };

struct BayesOptions {
  uint64_t seed = 0;
  // Random trials before the model takes over (0: 1 + encoded dimensions, at least 4 and at most 10). They
  // are the same configurations RandomSearcher draws with the same seed.
  int initial_points = 0;
  Acquisition acquisition = Acquisition::ExpectedImprovement;
  double xi = 0.01;       // EI exploration margin, in standard deviations of the observed losses
  double kappa = 2.0;     // UCB exploration weight
  int candidates = 1000;  // random starting candidates for the acquisition search
  int local_starts = 5;   // best candidates refined by local search
  GPOptions gp{};
};

// Gaussian-process Bayesian optimisation: fits a GP (Matérn 5/2, ARD) to the encoded configurations and
// their losses, then maximises the acquisition by multi-start search from random points and perturbations
// of the best observed points, refined by pattern search. Pending trials (parallel runs) are filled in with
// the GP mean ("kriging believer") so that simultaneous suggestions spread out.
class BayesSearcher : public Searcher {
 public:
  explicit BayesSearcher(SearchSpace space, BayesOptions options = {});
  std::string name() const override { return "bayes"; }
  // The GP fitted for the last model-based suggestion.
  const GaussianProcess& model() const { return gp_; }
  int initial_points() const { return initial_points_; }

 protected:
  std::optional<Assignment> propose(int64_t trial) override;

 private:
  BayesOptions options_;
  int initial_points_;
  GaussianProcess gp_;
  std::optional<GPHyperparameters> last_hyper_;
};

struct TPEOptions {
  uint64_t seed = 0;
  int startup_trials = 10;  // random trials first (the same ones RandomSearcher draws with the same seed)
  double gamma = 0.25;      // fraction of observations counted as good (at most 25)
  int candidates = 24;      // draws from the good density per parameter
  double prior_weight = 1.0;
};

// Tree-structured Parzen estimator (Bergstra et al. 2011): per parameter, a Parzen density of the good
// trials l(x) and of the rest g(x) on the unit scale; picks the draw from l with the largest l(x) / g(x).
// Conditional parameters only use the trials where they were active.
class TPESearcher : public Searcher {
 public:
  explicit TPESearcher(SearchSpace space, TPEOptions options = {});
  std::string name() const override { return "tpe"; }

 protected:
  std::optional<Assignment> propose(int64_t trial) override;

 private:
  TPEOptions options_;
};

// A searcher by name: "grid", "random", "bayes" (also "bo", "gp"), "tpe"; throws listing the known names.
std::unique_ptr<Searcher> make_searcher(const std::string& method, const SearchSpace& space,
                                        uint64_t seed = 0, int grid_resolution = 5);
// The names make_searcher accepts.
std::vector<std::string> searcher_names();

}  // namespace strata::tune
