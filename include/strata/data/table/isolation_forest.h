#pragma once
// Isolation Forest (Liu, Ting and Zhou, 2008): anomalies are isolated by fewer random axis-aligned splits.
// The score of x is s(x) = 2^(-E[h(x)] / c(psi)) with h the path length (plus c(size) at an external node
// holding several training points) and c(n) = 2 H(n - 1) - 2 (n - 1) / n the average path length of an
// unsuccessful binary-search-tree search; s near 1 marks anomalies, s well below 0.5 normal points.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::table {

struct IsolationForestOptions {
  int n_estimators = 100;     // trees
  int64_t max_samples = 256;  // sub-sample size psi per tree (capped at the number of rows)
  uint64_t seed = 0;
};

class IsolationForest {
 public:
  explicit IsolationForest(IsolationForestOptions options = {});
  // Grows the trees on the rows of x ([n, d], any floating dtype, no NaN); each tree sees psi rows drawn
  // without replacement and stops at height ceil(log2 psi).
  void fit(const Tensor& x);
  // Anomaly scores s in (0, 1], one per row of x ([m, d]) as f64 [m].
  Tensor score(const Tensor& x) const;
  // Mean path length E[h(x)] over the trees for each row of x, f64 [m].
  Tensor path_length(const Tensor& x) const;
  // c(n): the average path length of an unsuccessful search in a binary search tree of n points
  // (0 for n <= 1, 1 for n = 2).
  static double average_path_length(int64_t n);
  bool fitted() const { return !trees_.empty(); }
  int64_t sample_size() const { return psi_; }

 private:
  struct Node {
    int32_t feature = -1;  // -1: external node
    double split = 0.0;
    int32_t left = -1, right = -1;
    double adjust = 0.0;  // external node: c(size) for the training points that reached it
  };
  IsolationForestOptions options_;
  std::vector<std::vector<Node>> trees_;
  int64_t psi_ = 0, dims_ = 0;
};

}  // namespace strata::data::table
