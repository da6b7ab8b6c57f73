// The confusion matrix and the scores computed from one (scikit-learn's conventions, zero_division = 0).
#include "strata/metrics/confusion.h"

#include <cmath>

#include "input.h"
#include "strata/core/factory.h"

namespace strata::metrics {
namespace {

// A [C, C] confusion matrix read as f64, row-major.
struct Counts {
  int64_t c = 0;
  Tensor host;
  const double* m = nullptr;
  double at(int64_t i, int64_t j) const { return m[i * c + j]; }
  double row_sum(int64_t i) const {
    double s = 0;
    for (int64_t j = 0; j < c; ++j) s += at(i, j);
    return s;
  }
  double col_sum(int64_t j) const {
    double s = 0;
    for (int64_t i = 0; i < c; ++i) s += at(i, j);
    return s;
  }
  double total() const {
    double s = 0;
    for (int64_t i = 0; i < c * c; ++i) s += m[i];
    return s;
  }
  // The classes that occur among the targets or the predictions (scikit-learn's inferred labels).
  std::vector<int64_t> present() const {
    std::vector<int64_t> labels;
    for (int64_t k = 0; k < c; ++k) {
      if (row_sum(k) > 0 || col_sum(k) > 0) labels.push_back(k);
    }
    return labels;
  }
};

Counts read_counts(const char* who, const Tensor& confusion) {
  STRATA_CHECK(confusion.defined(), "{}: the confusion matrix is undefined", who);
  STRATA_CHECK(confusion.dim() == 2 && confusion.size(0) == confusion.size(1),
               "{}: a confusion matrix must be square [C, C], got shape {}", who, confusion.shape().str());
  Counts k;
  k.c = confusion.size(0);
  k.host = detail::host_f64(confusion);
  k.m = k.host.data_ptr<double>();
  for (int64_t i = 0; i < k.c * k.c; ++i) {
    STRATA_CHECK(std::isfinite(k.m[i]) && k.m[i] >= 0,
                 "{}: confusion matrix entry [{}, {}] is {}; counts must be "
                 "non-negative",
                 who, i / k.c, i % k.c, k.m[i]);
  }
  STRATA_CHECK(k.total() > 0, "{}: the confusion matrix of shape {} holds no samples", who,
               confusion.shape().str());
  return k;
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }  // zero_division = 0

double fbeta_of(double precision, double recall, double beta) {
  const double b2 = beta * beta, den = b2 * precision + recall;
  return den > 0 ? (1 + b2) * precision * recall / den : 0.0;
}

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(MetricOptions options, std::string name)
    : Metric(std::move(name)), options_(options) {
  STRATA_CHECK(options_.num_classes >= 0, "{}: num_classes must be non-negative, got {}", this->name(),
               options_.num_classes);
  if (options_.num_classes > 0) grow(options_.num_classes);
}

void ConfusionMatrix::grow(int64_t classes) {
  if (classes <= classes_) return;
  std::vector<int64_t> bigger(static_cast<size_t>(classes * classes), 0);
  for (int64_t i = 0; i < classes_; ++i) {
    std::copy_n(counts_.begin() + i * classes_, classes_, bigger.begin() + i * classes);
  }
  counts_ = std::move(bigger);
  classes_ = classes;
}

void ConfusionMatrix::update(const Tensor& output, const Tensor& target) {
  const detail::ClassOutputs out = detail::read_outputs(name(), output, /*labels_allowed=*/true);
  const std::vector<int64_t> truth = detail::read_targets(name(), target, output, out.rows);
  detail::predict(out, options_, predicted_);

  // The number of classes this batch implies, checked against options and earlier batches.
  int64_t classes = 0;
  if (out.kind == detail::ClassOutputs::Kind::Labels) {
    for (int64_t p : predicted_) classes = std::max(classes, p + 1);
    for (int64_t t : truth) classes = std::max(classes, t + 1);
    if (options_.num_classes > 0) {
      STRATA_CHECK(classes <= options_.num_classes, "{}: class {} is out of range for num_classes = {}",
                   name(), classes - 1, options_.num_classes);
    }
  } else {
    const int64_t c = out.kind == detail::ClassOutputs::Kind::Binary ? 2 : out.cols;
    STRATA_CHECK(options_.num_classes == 0 || options_.num_classes == c,
                 "{}: output of shape {} has {} classes but num_classes = {}", name(), output.shape().str(),
                 c, options_.num_classes);
    STRATA_CHECK(scores_classes_ == 0 || scores_classes_ == c,
                 "{}: output of shape {} has {} classes, earlier batches had {}", name(),
                 output.shape().str(), c, scores_classes_);
    scores_classes_ = c;
    classes = c;
  }
  for (size_t i = 0; i < truth.size(); ++i) {
    STRATA_CHECK(truth[i] >= 0 && (out.kind == detail::ClassOutputs::Kind::Labels || truth[i] < classes),
                 "{}: target {} at row {} is out of range for output of shape {} ({} classes)", name(),
                 truth[i], i, output.shape().str(), classes);
  }
  grow(classes);
  const int64_t c = classes_;
  for (size_t i = 0; i < truth.size(); ++i) ++counts_[static_cast<size_t>(truth[i] * c + predicted_[i])];
  total_ += out.rows;
}

double ConfusionMatrix::compute() const {
  STRATA_FAIL("{}: the value is a [{}, {}] matrix, not a number; use matrix() or compute_tensor()", name(),
              classes_, classes_);
}

void ConfusionMatrix::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
}

Tensor ConfusionMatrix::matrix() const { return from_vector(counts_, {classes_, classes_}); }

double accuracy(const Tensor& confusion) {
  const Counts k = read_counts("accuracy", confusion);
  double diag = 0;
  for (int64_t i = 0; i < k.c; ++i) diag += k.at(i, i);
  return diag / k.total();
}

ClassScores class_scores(const Tensor& confusion, double beta) {
  STRATA_CHECK(beta >= 0 && std::isfinite(beta), "class_scores: beta must be non-negative, got {}", beta);
  const Counts k = read_counts("class_scores", confusion);
  ClassScores s;
  for (int64_t i = 0; i < k.c; ++i) {
    const double tp = k.at(i, i), truth = k.row_sum(i), predicted = k.col_sum(i);
    const double p = ratio(tp, predicted), r = ratio(tp, truth);
    s.precision.push_back(p);
    s.recall.push_back(r);
    s.fbeta.push_back(fbeta_of(p, r, beta));
    s.support.push_back(static_cast<int64_t>(truth));
    s.present.push_back(truth > 0 || predicted > 0);
  }
  return s;
}

PrecisionRecallF precision_recall_fscore(const Tensor& confusion, Average average, double beta,
                                         int64_t pos_label) {
  STRATA_CHECK(average != Average::None,
               "precision_recall_fscore: average 'none' gives one value per class; use class_scores()");
  const ClassScores s = class_scores(confusion, beta);
  const Counts k = read_counts("precision_recall_fscore", confusion);
  const std::vector<int64_t> labels = k.present();
  switch (average) {
    case Average::Binary: {
      STRATA_CHECK(
          labels.size() <= 2,
          "binary average: {} classes are present ({}); binary scores need at most 2 (use a macro, micro "
          "or weighted average)",
          labels.size(), join(labels));
      const bool has_pos = pos_label >= 0 && pos_label < k.c && s.present[static_cast<size_t>(pos_label)];
      STRATA_CHECK(has_pos || labels.size() < 2,
                   "binary average: pos_label {} is not among the present classes ({})", pos_label,
                   join(labels));
      if (!has_pos) return {0, 0, 0};
      const auto i = static_cast<size_t>(pos_label);
      return {s.precision[i], s.recall[i], s.fbeta[i]};
    }
    case Average::Micro: {
      double tp = 0, truth = 0, predicted = 0;
      for (int64_t l : labels) tp += k.at(l, l), truth += k.row_sum(l), predicted += k.col_sum(l);
      const double p = ratio(tp, predicted), r = ratio(tp, truth);
      return {p, r, fbeta_of(p, r, beta)};
    }
    case Average::Macro:
    case Average::Weighted: {
      PrecisionRecallF avg{0, 0, 0};
      double weights = 0;
      for (int64_t l : labels) {
        const auto i = static_cast<size_t>(l);
        const double w = average == Average::Macro ? 1.0 : static_cast<double>(s.support[i]);
        avg.precision += w * s.precision[i];
        avg.recall += w * s.recall[i];
        avg.fbeta += w * s.fbeta[i];
        weights += w;
      }
      if (weights == 0) return {0, 0, 0};
      return {avg.precision / weights, avg.recall / weights, avg.fbeta / weights};
    }
    case Average::None:
      break;
  }
  return {0, 0, 0};
}

double matthews_corrcoef(const Tensor& confusion) {
  const Counts k = read_counts("matthews_corrcoef", confusion);
  double correct = 0, n = k.total(), tp_dot = 0, pp_dot = 0, tt_dot = 0;
  for (int64_t i = 0; i < k.c; ++i) {
    const double t = k.row_sum(i), p = k.col_sum(i);
    correct += k.at(i, i);
    tp_dot += t * p;
    pp_dot += p * p;
    tt_dot += t * t;
  }
  const double cov_tp = correct * n - tp_dot, cov_pp = n * n - pp_dot, cov_tt = n * n - tt_dot;
  if (cov_pp * cov_tt == 0) return 0.0;
  return cov_tp / std::sqrt(cov_tt * cov_pp);
}

double cohen_kappa(const Tensor& confusion, KappaWeights weights) {
  const Counts k = read_counts("cohen_kappa", confusion);
  // Weights use positions among the present classes, as scikit-learn's inferred labels do.
  const std::vector<int64_t> labels = k.present();
  const size_t m = labels.size();
  std::vector<double> rows(m), cols(m);
  for (size_t a = 0; a < m; ++a) rows[a] = k.row_sum(labels[a]), cols[a] = k.col_sum(labels[a]);
  const double n = k.total();
  double observed = 0, expected = 0;
  for (size_t a = 0; a < m; ++a) {
    for (size_t b = 0; b < m; ++b) {
      const double d = std::abs(static_cast<double>(a) - static_cast<double>(b));
      const double w = weights == KappaWeights::None     ? (a == b ? 0.0 : 1.0)
                       : weights == KappaWeights::Linear ? d
                                                         : d * d;
      observed += w * k.at(labels[a], labels[b]);
      expected += w * cols[a] * rows[b] / n;
    }
  }
  return 1.0 - observed / expected;  // 0 / 0 = NaN when chance agreement is perfect, as scikit-learn
}

}  // namespace strata::metrics
