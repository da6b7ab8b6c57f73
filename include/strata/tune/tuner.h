#pragma once
// The tuning loop: asks a searcher for configurations, runs them N at a time (each in its own thread with
// its share of the threads), prunes with an optional pruner, and records everything in an output folder:
//   trials.csv         one row per finished trial: number, status, searcher, objective value, wall time,
//                      epochs, the parameters, the metrics (appended as trials finish)
//   steps.csv          the objective after every reported epoch (what pruners decide on)
//   best.yaml          the best complete trial so far: its number, metric, value and parameters
//   best_so_far.png    best value so far against trial number, one line per searcher
// A folder that already holds trials.csv is resumed: its trials count towards the total, the searcher and
// the pruner learn from them, and numbering continues.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/train/callback.h"
#include "strata/tune/pruner.h"
#include "strata/tune/searcher.h"
#include "strata/tune/space.h"

namespace strata::tune {

// Metric name -> value, as the Trainer logs them ("loss", "val_accuracy", ...).
using Metrics = std::map<std::string, double>;

// What a running trial sees: its number, its parameters and its thread budget, and a way to report
// per-epoch results (which the pruner judges).
class Trial {
 public:
  // A stand-alone trial (no pruner, nothing recorded): for calling an objective by hand.
  Trial(int64_t id, Assignment params, Objective objective = {}, int threads = 1);

  int64_t id() const { return id_; }
  const Assignment& params() const { return params_; }
  // The parameter's value; throws naming the known ones when it is not set (or inactive).
  const Value& operator[](const std::string& name) const;
  // Threads this trial may use (set_num_threads has been called with it in the trial's thread).
  int threads() const { return threads_; }
  // Records the metrics after `step` (an epoch, from 1); true when the trial should stop (pruned). Throws
  // when the objective's metric is missing.
  bool report(int step, const Metrics& metrics);
  bool pruned() const { return pruned_; }
  // The last reported step and its metrics.
  int steps() const { return steps_; }
  const Metrics& last_metrics() const { return last_; }

 private:
  friend class TunerRun;
  int64_t id_;
  Assignment params_;
  Objective objective_;
  int threads_;
  Pruner* pruner_ = nullptr;
  std::function<void(int, double)> on_step_;
  bool pruned_ = false;
  int steps_ = 0;
  Metrics last_;
};

// Runs one configuration and returns its final metrics (which must include the objective's metric).
using ObjectiveFn = std::function<Metrics(Trial& trial)>;

enum class TrialStatus { Complete, Pruned, Failed };
// "complete", "pruned", "failed".
std::string to_string(TrialStatus status);

struct TrialResult {
  int64_t id = 0;
  std::string searcher;
  Assignment params;
  TrialStatus status = TrialStatus::Complete;
  double value = 0.0;  // the objective metric (the last reported one when pruned; NaN when failed)
  Metrics metrics;
  double seconds = 0.0;
  int steps = 0;  // epochs reported
  std::string error;
};

struct TuneResult {
  Objective objective;
  std::vector<TrialResult> trials;  // in trial-number order, resumed ones included

  // The best complete trial; throws when there is none.
  const TrialResult& best() const;
  // The best value among complete trials after each trial of `searcher` (all searchers when empty), in
  // trial order; trials before the first complete one are left out.
  std::vector<double> best_so_far(const std::string& searcher = "") const;
};

struct TuneOptions {
  Objective objective{};
  int trials = 20;        // in total, including those of a resumed run
  int parallel = 1;       // trials at a time
  int threads = 0;        // threads shared by the parallel trials (0: get_num_threads())
  std::string out_dir{};  // empty: keep nothing on disk
  bool resume = true;     // continue from out_dir/trials.csv when it exists (false: start over)
  bool plot = true;       // write best_so_far.png
  // Called (under the tuner's lock) after each trial with the results so far (resumed ones included, in
  // finishing order), e.g. to print progress.
  std::function<void(const TrialResult&, const TuneResult&)> on_trial_end{};
};

// Tunes: see the file comment. The searcher's space defines the parameters; `pruner` may be null.
TuneResult tune(Searcher& searcher, const ObjectiveFn& objective, const TuneOptions& options,
                Pruner* pruner = nullptr);

// Reads a trials.csv written by tune() for `space`; throws naming the file and column on a mismatch.
std::vector<TrialResult> read_trials_csv(const std::string& path, const SearchSpace& space);
// Writes best.yaml for the best complete trial of `result`.
void write_best_yaml(const std::string& path, const TuneResult& result);
// Best-so-far curves (one per searcher) against trial number, as a PNG.
void plot_best_so_far(const std::string& path, const std::string& metric,
                      const std::vector<std::pair<std::string, std::vector<double>>>& curves);

// A Trainer callback that reports each epoch's logs to the trial and stops training when it is pruned.
class TrialReporter : public train::Callback {
 public:
  explicit TrialReporter(Trial& trial) : trial_(trial) {}
  void on_epoch_end(train::Trainer& trainer, int epoch, const train::Logs& logs) override;

 private:
  Trial& trial_;
};

}  // namespace strata::tune
