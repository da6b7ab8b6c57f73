#pragma once
// Pruners stop unpromising trials early from their per-epoch results, with any searcher: median stopping,
// successive halving (asynchronous, ASHA-style, so it needs no synchronised rounds) and Hyperband (several
// successive-halving brackets with different minimum budgets). Values are losses: lower is better.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace strata::tune {

class Pruner {
 public:
  virtual ~Pruner() = default;
  // "median", "successive_halving", "hyperband".
  virtual std::string name() const = 0;
  // Records the loss of `trial` after `step` (an epoch, from 1) and says whether the trial should stop
  // now. Safe to call from several trials' threads at once.
  bool report(int64_t trial, int step, double loss);

 protected:
  // Called under the lock.
  virtual bool decide(int64_t trial, int step, double loss) = 0;

 private:
  std::mutex mutex_;
};

struct MedianOptions {
  int startup_trials = 5;  // no pruning until this many other trials reported the step
  int warmup_steps = 1;    // no pruning at steps before this
};

// Median stopping rule: stops a trial whose best loss so far is worse than the median of the other trials'
// losses at the same step.
class MedianPruner : public Pruner {
 public:
  explicit MedianPruner(MedianOptions options = {});
  std::string name() const override { return "median"; }

 protected:
  bool decide(int64_t trial, int step, double loss) override;

 private:
  MedianOptions options_;
  std::map<int, std::map<int64_t, double>> values_;  // step -> trial -> loss
  std::map<int64_t, double> best_;
};

struct SuccessiveHalvingOptions {
  int min_resource = 1;      // the first rung, in steps (epochs)
  int reduction_factor = 3;  // keep the best 1/eta at each rung
  int max_resource = 0;      // the full budget (no rung at or beyond it); 0: unbounded
};

// Asynchronous successive halving: rungs at min_resource * eta^k steps; a trial reaching a rung continues
// only when its loss is among the best 1/eta of the losses recorded at that rung so far (the first trials,
// with fewer than eta competitors, continue only when they are the best).
class SuccessiveHalvingPruner : public Pruner {
 public:
  explicit SuccessiveHalvingPruner(SuccessiveHalvingOptions options = {});
  std::string name() const override { return "successive_halving"; }
  // The rung steps.
  std::vector<int> rungs() const;

 protected:
  bool decide(int64_t trial, int step, double loss) override;

 private:
  SuccessiveHalvingOptions options_;
  std::map<int, std::vector<double>> rung_values_;
};

struct HyperbandOptions {
  int min_resource = 1;
  int max_resource = 9;  // the full budget in steps (epochs)
  int reduction_factor = 3;
};

// Hyperband: brackets of successive halving with minimum budgets min_resource * eta^b, b = 0..s_max; trials
// are dealt to the brackets in proportion to Hyperband's bracket sizes, interleaved, by trial number.
class HyperbandPruner : public Pruner {
 public:
  explicit HyperbandPruner(HyperbandOptions options = {});
  std::string name() const override { return "hyperband"; }
  int brackets() const { return static_cast<int>(brackets_.size()); }
  // The bracket trial `trial` belongs to.
  int bracket_of(int64_t trial) const;

 protected:
  bool decide(int64_t trial, int step, double loss) override;

 private:
  HyperbandOptions options_;
  std::vector<std::unique_ptr<SuccessiveHalvingPruner>> brackets_;
  std::vector<int> schedule_;  // bracket per trial number modulo its length
};

// A pruner by name: "none" (nullptr), "median", "successive_halving" (also "sha", "asha"), "hyperband";
// `max_resource` is the epochs a full trial runs. Throws listing the known names.
std::unique_ptr<Pruner> make_pruner(const std::string& name, int max_resource);

}  // namespace strata::tune
