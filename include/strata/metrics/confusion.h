#pragma once
// The confusion matrix (a streaming metric) and the classification scores computed from one: accuracy,
// precision / recall / F-beta per class and averaged, Matthews correlation and Cohen's kappa. A
// confusion matrix here is [C, C] (any numeric dtype) with rows the true class and columns the
// predicted class, as scikit-learn's confusion_matrix.
#include <vector>

#include "strata/metrics/metric.h"

namespace strata::metrics {

// Counts (true class, predicted class) pairs. Predictions are the argmax of [N, C] scores, the
// thresholded probability of [N] binary scores, or [N] i64 labels; the matrix grows with the labels
// seen unless options.num_classes fixes C.
class ConfusionMatrix : public Metric {
 public:
  // `name` starts error messages (metrics built on a confusion matrix pass their own).
  explicit ConfusionMatrix(MetricOptions options = {}, std::string name = "confusion_matrix");
  void update(const Tensor& output, const Tensor& target) override;
  // Throws: the value is a matrix (see matrix()).
  double compute() const override;
  Tensor compute_tensor() const override { return matrix(); }
  void reset() override;
  bool is_scalar() const override { return false; }
  int64_t count() const override { return total_; }

  // The counts as an i64 [C, C] tensor (rows: true class, columns: predicted class).
  Tensor matrix() const;
  // The counts, row-major.
  const std::vector<int64_t>& counts() const { return counts_; }
  int64_t num_classes() const { return classes_; }
  const MetricOptions& options() const { return options_; }

 private:
  void grow(int64_t classes);
  MetricOptions options_;
  int64_t classes_ = 0;
  int64_t scores_classes_ = 0;  // C of the [N, C] or binary scores seen so far (0: none yet)
  int64_t total_ = 0;
  std::vector<int64_t> counts_;
  std::vector<int64_t> predicted_;  // scratch, reused across batches
};

// Per-class scores of a confusion matrix (zero_division = 0), indexed by class.
struct ClassScores {
  std::vector<double> precision;
  std::vector<double> recall;
  std::vector<double> fbeta;
  std::vector<int64_t> support;  // true samples of each class
  std::vector<bool> present;     // the class occurs among the targets or the predictions
};

struct PrecisionRecallF {
  double precision;
  double recall;
  double fbeta;
};

// Cohen's kappa disagreement weights.
enum class KappaWeights { None, Linear, Quadratic };

// Fraction of samples on the diagonal.
double accuracy(const Tensor& confusion);
// Precision, recall, F-beta and support of every class.
ClassScores class_scores(const Tensor& confusion, double beta = 1.0);
// Averaged precision, recall and F-beta, as scikit-learn's precision_recall_fscore_support. Binary scores
// class pos_label and throws when more than two classes are present; None is refused (use class_scores).
PrecisionRecallF precision_recall_fscore(const Tensor& confusion, Average average, double beta = 1.0,
                                         int64_t pos_label = 1);
// Matthews correlation coefficient (multi-class form); 0 when either marginal is constant.
double matthews_corrcoef(const Tensor& confusion);
// Cohen's kappa over the present classes; NaN when chance agreement is 1.
double cohen_kappa(const Tensor& confusion, KappaWeights weights = KappaWeights::None);

}  // namespace strata::metrics
