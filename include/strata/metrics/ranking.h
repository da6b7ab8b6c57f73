#pragma once
// Ranking metrics over scores: ROC-AUC and average precision (PR-AUC), binary and one-vs-rest, plus the
// ROC and precision-recall curves. They keep every score of the epoch, so the areas are exact and
// handle tied scores as scikit-learn does (one curve point per distinct score).
#include <vector>

#include "strata/metrics/metric.h"

namespace strata::metrics {

// A ROC curve: false and true positive rates at each distinct threshold, highest first, after the
// point (0, 0) at threshold +inf (scikit-learn's roc_curve with drop_intermediate=False).
struct RocCurve {
  std::vector<double> fpr;
  std::vector<double> tpr;
  std::vector<double> thresholds;
  double auc = 0;  // trapezoidal area; NaN when only one class is present
};

// A precision-recall curve at each distinct threshold, highest first (scikit-learn's
// precision_recall_curve reversed, without its final (recall 0, precision 1) point).
struct PrecisionRecallCurve {
  std::vector<double> precision;
  std::vector<double> recall;
  std::vector<double> thresholds;
  double average_precision = 0;  // sum over thresholds of (recall step) * precision; 0 without positives
};

// ROC curve of binary scores [N] against targets (positive: target == pos_label).
RocCurve roc_curve(const Tensor& scores, const Tensor& targets, int64_t pos_label = 1);
// Precision-recall curve of binary scores [N] against targets (positive: target == pos_label).
PrecisionRecallCurve precision_recall_curve(const Tensor& scores, const Tensor& targets,
                                            int64_t pos_label = 1);

// Base of the ranking metrics: stores the scores and targets of every batch. [N] (or [N, 1]) outputs are
// binary scores ranked as given; [N, C] outputs are turned into probabilities (see Scores) and scored
// one-vs-rest per class.
class RankingMetric : public Metric {
 public:
  void update(const Tensor& output, const Tensor& target) override;
  void reset() override;
  int64_t count() const override { return static_cast<int64_t>(targets_.size()); }

 protected:
  RankingMetric(const std::string& name, Average average, const MetricOptions& options);
  // Scores of class `c` (or the binary scores for c = -1) and whether each row is positive.
  void column(int64_t c, std::vector<double>& scores, std::vector<uint8_t>& positive) const;
  bool binary() const { return columns_ == 1; }
  int64_t columns() const { return columns_; }
  // Rows of each class among the targets (one-vs-rest weights).
  std::vector<int64_t> class_support() const;

  Average average_;
  MetricOptions options_;

 private:
  int64_t columns_ = 0;  // 1 for binary scores, C for [N, C]
  std::vector<double> scores_;
  std::vector<int64_t> targets_;
};

// Area under the ROC curve ("roc_auc", alias "auc"; "roc_auc_weighted"). Multi-class: one-vs-rest,
// averaged (macro or weighted by support) over the classes with both positives and negatives; NaN when
// there is none (scikit-learn raises).
class RocAuc : public RankingMetric {
 public:
  explicit RocAuc(Average average = Average::Macro, const MetricOptions& options = {});
  double compute() const override;
  // One curve for binary scores, one per class (one-vs-rest) for [N, C] scores.
  std::vector<RocCurve> curves() const;
};

// Average precision, the area under the precision-recall curve as scikit-learn's
// average_precision_score ("average_precision", alias "pr_auc"; "_micro" and "_weighted" variants).
// Multi-class: the one-vs-rest binarised targets, so a class without positives scores 0 in the macro
// average, as scikit-learn's label_binarize + average_precision_score.
class AveragePrecision : public RankingMetric {
 public:
  explicit AveragePrecision(Average average = Average::Macro, const MetricOptions& options = {});
  double compute() const override;
  // One curve for binary scores, one per class (one-vs-rest) for [N, C] scores.
  std::vector<PrecisionRecallCurve> curves() const;
};

}  // namespace strata::metrics
