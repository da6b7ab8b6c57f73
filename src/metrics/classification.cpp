// Streaming classification metrics built on the confusion matrix, and top-k accuracy.
#include "strata/metrics/classification.h"

#include <cmath>

#include "input.h"
#include "strata/core/factory.h"

namespace strata::metrics {
namespace {

std::string prf_name(PrfKind kind, Average average, double beta) {
  const char* base = kind == PrfKind::Precision ? "precision"
                     : kind == PrfKind::Recall  ? "recall"
                     : beta == 1.0              ? "f1"
                                                : "fbeta";
  return fmt::format("{}_{}", base, average == Average::None ? "per_class" : average_name(average));
}

const char* kappa_name(KappaWeights w) {
  return w == KappaWeights::None     ? "cohen_kappa"
         : w == KappaWeights::Linear ? "cohen_kappa_linear"
                                     : "cohen_kappa_quadratic";
}

}  // namespace

Tensor ConfusionMetric::counts() const {
  check_not_empty();
  return confusion_.matrix().to(kFloat64);
}

double Accuracy::compute() const { return accuracy(counts()); }

TopKAccuracy::TopKAccuracy(const MetricOptions& options)
    : Metric(fmt::format("top{}_accuracy", options.top_k)), k_(options.top_k) {
  STRATA_CHECK(k_ >= 1, "top_k_accuracy: k must be at least 1, got {}", k_);
}

void TopKAccuracy::update(const Tensor& output, const Tensor& target) {
  const detail::ClassOutputs out = detail::read_outputs(name(), output, /*labels_allowed=*/false);
  STRATA_CHECK(out.kind == detail::ClassOutputs::Kind::Scores,
               "{}: output of shape {} must be [N, C] class scores", name(), output.shape().str());
  const std::vector<int64_t> truth = detail::read_targets(name(), target, output, out.rows);
  const double* s = out.scores();
  const int64_t c = out.cols;
  for (int64_t i = 0; i < out.rows; ++i) {
    const int64_t t = truth[static_cast<size_t>(i)];
    STRATA_CHECK(t >= 0 && t < c, "{}: target {} at row {} is out of range for output of shape {}", name(), t,
                 i, output.shape().str());
    // The target's rank: classes scoring higher, and tied classes with a higher index (scikit-learn's
    // stable argsort, reversed), come before it.
    const double* row = s + i * c;
    const double v = row[t];
    int64_t ahead = 0;
    for (int64_t j = 0; j < c; ++j) ahead += (row[j] > v) || (row[j] == v && j > t);
    hits_ += ahead < k_;
  }
  total_ += out.rows;
}

double TopKAccuracy::compute() const {
  check_not_empty();
  return static_cast<double>(hits_) / static_cast<double>(total_);
}

PrecisionRecallFMetric::PrecisionRecallFMetric(PrfKind kind, Average average, const MetricOptions& options)
    : ConfusionMetric(prf_name(kind, average, options.beta), options),
      kind_(kind),
      average_(average),
      beta_(options.beta),
      pos_label_(options.pos_label) {
  STRATA_CHECK(std::isfinite(beta_) && beta_ >= 0, "{}: beta must be non-negative, got {}", name(), beta_);
}

double PrecisionRecallFMetric::compute() const {
  STRATA_CHECK(average_ != Average::None, "{}: the value is one number per class; use compute_tensor()",
               name());
  try {
    const PrecisionRecallF s = precision_recall_fscore(counts(), average_, beta_, pos_label_);
    return kind_ == PrfKind::Precision ? s.precision : kind_ == PrfKind::Recall ? s.recall : s.fbeta;
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", name(), e.what());
  }
}

Tensor PrecisionRecallFMetric::compute_tensor() const {
  if (average_ != Average::None) return Metric::compute_tensor();
  const ClassScores s = class_scores(counts(), beta_);
  const std::vector<double>& v = kind_ == PrfKind::Precision ? s.precision
                                 : kind_ == PrfKind::Recall  ? s.recall
                                                             : s.fbeta;
  return from_vector(v);
}

double MatthewsCorrCoef::compute() const { return matthews_corrcoef(counts()); }

CohenKappa::CohenKappa(KappaWeights weights, const MetricOptions& options)
    : ConfusionMetric(kappa_name(weights), options), weights_(weights) {}

double CohenKappa::compute() const { return cohen_kappa(counts(), weights_); }

}  // namespace strata::metrics
