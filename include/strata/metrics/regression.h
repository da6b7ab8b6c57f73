#pragma once
// Streaming regression metrics: MSE, RMSE, MAE, MAPE and R². Outputs and targets are [N] or [N, D]
// floats ([N] and [N, 1] are interchangeable); with D outputs each is scored on its own and the D
// values averaged uniformly, as scikit-learn's multioutput="uniform_average".
#include <vector>

#include "strata/metrics/metric.h"

namespace strata::metrics {

// Which error a RegressionMetric reports.
enum class RegressionKind { MSE, RMSE, MAE, MAPE, R2 };

// Per-output running sums of one regression metric (one pass, numerically stable).
class RegressionMetric : public Metric {
 public:
  explicit RegressionMetric(RegressionKind kind);
  void update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  // The value of each output before averaging.
  std::vector<double> per_output() const;
  void reset() override;
  bool higher_is_better() const override { return kind_ == RegressionKind::R2; }
  int64_t count() const override { return rows_; }

 private:
  // The value of output d.
  double value(size_t d) const;
  struct Column {
    double sq = 0, abs = 0, pct = 0;  // sums of e², |e|, |e| / max(|y|, eps)
    double mean = 0, m2 = 0;          // running mean of y and sum of squared deviations (Welford)
  };
  RegressionKind kind_;
  int64_t rows_ = 0;
  std::vector<Column> columns_;
};

// Mean squared error ("mse").
class MeanSquaredError : public RegressionMetric {
 public:
  MeanSquaredError() : RegressionMetric(RegressionKind::MSE) {}
};
// Root mean squared error per output ("rmse").
class RootMeanSquaredError : public RegressionMetric {
 public:
  RootMeanSquaredError() : RegressionMetric(RegressionKind::RMSE) {}
};
// Mean absolute error ("mae").
class MeanAbsoluteError : public RegressionMetric {
 public:
  MeanAbsoluteError() : RegressionMetric(RegressionKind::MAE) {}
};
// Mean absolute percentage error as a fraction, |e| / max(|y|, f64 epsilon) ("mape").
class MeanAbsolutePercentageError : public RegressionMetric {
 public:
  MeanAbsolutePercentageError() : RegressionMetric(RegressionKind::MAPE) {}
};
// Coefficient of determination ("r2"): 1 - SSE / SST.
class R2Score : public RegressionMetric {
 public:
  R2Score() : RegressionMetric(RegressionKind::R2) {}
};

}  // namespace strata::metrics
