#pragma once
// Streaming classification metrics: accuracy, top-k accuracy, precision, recall, F-beta, Matthews
// correlation and Cohen's kappa. All but top-k accumulate a confusion matrix, so batches that lack a
// class change nothing and the result equals the one-shot value.
#include "strata/metrics/confusion.h"

namespace strata::metrics {

// Base of the metrics computed from an accumulated confusion matrix.
class ConfusionMetric : public Metric {
 public:
  void update(const Tensor& output, const Tensor& target) override { confusion_.update(output, target); }
  void reset() override { confusion_.reset(); }
  int64_t count() const override { return confusion_.count(); }
  // The accumulated confusion matrix.
  const ConfusionMatrix& confusion() const { return confusion_; }

 protected:
  ConfusionMetric(const std::string& name, const MetricOptions& options)
      : Metric(name), confusion_(options, name) {}
  // The counts as an f64 [C, C] tensor (checks that something was accumulated).
  Tensor counts() const;

 private:
  ConfusionMatrix confusion_;
};

// Fraction of correct predictions ("accuracy").
class Accuracy : public ConfusionMetric {
 public:
  explicit Accuracy(const MetricOptions& options = {}) : ConfusionMetric("accuracy", options) {}
  double compute() const override;
};

// Fraction of rows whose target is among the k highest of [N, C] scores ("top5_accuracy" for k = 5).
// Ties rank the higher class index first, as scikit-learn's top_k_accuracy_score.
class TopKAccuracy : public Metric {
 public:
  explicit TopKAccuracy(const MetricOptions& options = {});
  void update(const Tensor& output, const Tensor& target) override;
  double compute() const override;
  void reset() override { hits_ = total_ = 0; }
  int64_t count() const override { return total_; }

 private:
  int64_t k_;
  int64_t hits_ = 0, total_ = 0;
};

// Which of precision, recall and F-beta a PrecisionRecallFMetric reports.
enum class PrfKind { Precision, Recall, FBeta };

// Precision, recall or F-beta (options.beta) with an average; "f1_macro", "precision_weighted",
// "recall_binary", "fbeta_micro". Average::None reports per-class values through compute_tensor().
class PrecisionRecallFMetric : public ConfusionMetric {
 public:
  PrecisionRecallFMetric(PrfKind kind, Average average, const MetricOptions& options = {});
  double compute() const override;
  Tensor compute_tensor() const override;
  bool is_scalar() const override { return average_ != Average::None; }

 private:
  PrfKind kind_;
  Average average_;
  double beta_;
  int64_t pos_label_;
};

// Precision: of the rows predicted as a class, the fraction that belong to it.
class Precision : public PrecisionRecallFMetric {
 public:
  explicit Precision(Average average = Average::Macro, const MetricOptions& options = {})
      : PrecisionRecallFMetric(PrfKind::Precision, average, options) {}
};

// Recall: of the rows of a class, the fraction predicted as it.
class Recall : public PrecisionRecallFMetric {
 public:
  explicit Recall(Average average = Average::Macro, const MetricOptions& options = {})
      : PrecisionRecallFMetric(PrfKind::Recall, average, options) {}
};

// F-beta: weighted harmonic mean of precision and recall (beta = options.beta).
class FBeta : public PrecisionRecallFMetric {
 public:
  explicit FBeta(Average average = Average::Macro, const MetricOptions& options = {})
      : PrecisionRecallFMetric(PrfKind::FBeta, average, options) {}
};

// F1: F-beta with beta = 1.
class F1 : public PrecisionRecallFMetric {
 public:
  explicit F1(Average average = Average::Macro, MetricOptions options = {})
      : PrecisionRecallFMetric(PrfKind::FBeta, average, with_beta_one(std::move(options))) {}

 private:
  static MetricOptions with_beta_one(MetricOptions options) {
    options.beta = 1.0;
    return options;
  }
};

// Matthews correlation coefficient ("mcc"), in [-1, 1].
class MatthewsCorrCoef : public ConfusionMetric {
 public:
  explicit MatthewsCorrCoef(const MetricOptions& options = {}) : ConfusionMetric("mcc", options) {}
  double compute() const override;
};

// Cohen's kappa ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic").
class CohenKappa : public ConfusionMetric {
 public:
  explicit CohenKappa(KappaWeights weights = KappaWeights::None, const MetricOptions& options = {});
  double compute() const override;

 private:
  KappaWeights weights_;
};

}  // namespace strata::metrics
