#pragma once
// Running mean and variance of a stream of vectors (Chan et al.'s parallel update), what Stable-Baselines3's
// VecNormalize keeps to normalise observations and scale rewards.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::rl {

class RunningMeanStd {
 public:
  // Statistics of `dim`-dimensional vectors; the count starts at epsilon as in SB3.
  explicit RunningMeanStd(int64_t dim = 1, double epsilon = 1e-4);
  // Folds in a batch of `rows` vectors stored row-major in `data`.
  void update(const float* data, int64_t rows);
  // (x - mean) / sqrt(var + epsilon), clipped to [-clip, clip], row-major in place.
  void normalize(float* data, int64_t rows, double clip, double epsilon = 1e-8) const;
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& var() const { return var_; }
  double count() const { return count_; }
  // The statistics as f64 tensors "<prefix>.mean", "<prefix>.var", "<prefix>.count" added to `state`.
  void save(nn::StateDict& state, const std::string& prefix) const;
  // Reads what save() wrote; throws naming a missing or mis-shaped entry.
  void load(const nn::StateDict& state, const std::string& prefix);

 private:
  std::vector<double> mean_, var_;
  double count_;
};

}  // namespace strata::rl
