// ROC-AUC and average precision from stored scores: one sort per class, one point per distinct score.
#include "strata/metrics/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "input.h"

namespace strata::metrics {
namespace {

// Cumulative true and false positives at each distinct score, highest score first.
struct Steps {
  std::vector<double> tps, fps, thresholds;
  double positives = 0, negatives = 0;
};

Steps steps(const std::vector<double>& scores, const std::vector<uint8_t>& positive) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  Steps s;
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    (positive[i] ? tp : fp) += 1;
    if (k + 1 == order.size() || scores[order[k + 1]] != scores[i]) {  // end of a group of tied scores
      s.tps.push_back(tp);
      s.fps.push_back(fp);
      s.thresholds.push_back(scores[i]);
    }
  }
  s.positives = tp;
  s.negatives = fp;
  return s;
}

RocCurve roc_of(const std::vector<double>& scores, const std::vector<uint8_t>& positive) {
  const Steps s = steps(scores, positive);
  RocCurve c;
  c.fpr.push_back(0);
  c.tpr.push_back(0);
  c.thresholds.push_back(INFINITY);
  for (size_t k = 0; k < s.tps.size(); ++k) {
    c.fpr.push_back(s.fps[k] / s.negatives);  // 0 / 0 = NaN with one class, as scikit-learn
    c.tpr.push_back(s.tps[k] / s.positives);
    c.thresholds.push_back(s.thresholds[k]);
  }
  if (s.positives == 0 || s.negatives == 0) {
    c.auc = NAN;
    return c;
  }
  double area = 0;
  for (size_t k = 1; k < c.fpr.size(); ++k) area += (c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1]) / 2;
  c.auc = area;
  return c;
}

PrecisionRecallCurve pr_of(const std::vector<double>& scores, const std::vector<uint8_t>& positive) {
  const Steps s = steps(scores, positive);
  PrecisionRecallCurve c;
  double previous_recall = 0, area = 0;
  for (size_t k = 0; k < s.tps.size(); ++k) {
    const double precision = s.tps[k] / (s.tps[k] + s.fps[k]);
    // Without positives scikit-learn sets recall to 1 everywhere, which makes the area 0.
    const double recall = s.positives > 0 ? s.tps[k] / s.positives : 1.0;
    c.precision.push_back(precision);
    c.recall.push_back(recall);
    c.thresholds.push_back(s.thresholds[k]);
    area += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  c.average_precision = s.positives > 0 ? area : 0.0;
  return c;
}

// Binary scores [N] and their positives, for the free curve functions.
void binary_input(const char* who, const Tensor& scores, const Tensor& targets, int64_t pos_label,
                  std::vector<double>& s, std::vector<uint8_t>& positive) {
  const detail::ClassOutputs out = detail::read_outputs(who, scores, /*labels_allowed=*/false);
  STRATA_CHECK(out.kind == detail::ClassOutputs::Kind::Binary,
               "{}: scores of shape {} must be [N] binary scores", who, scores.shape().str());
  const std::vector<int64_t> truth = detail::read_targets(who, targets, scores, out.rows);
  s.assign(out.scores(), out.scores() + out.rows);
  positive.resize(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) positive[i] = truth[i] == pos_label;
}

}  // namespace

RocCurve roc_curve(const Tensor& scores, const Tensor& targets, int64_t pos_label) {
  std::vector<double> s;
  std::vector<uint8_t> positive;
  binary_input("roc_curve", scores, targets, pos_label, s, positive);
  STRATA_CHECK(!s.empty(), "roc_curve: no scores");
  return roc_of(s, positive);
}

PrecisionRecallCurve precision_recall_curve(const Tensor& scores, const Tensor& targets, int64_t pos_label) {
  std::vector<double> s;
  std::vector<uint8_t> positive;
  binary_input("precision_recall_curve", scores, targets, pos_label, s, positive);
  STRATA_CHECK(!s.empty(), "precision_recall_curve: no scores");
  return pr_of(s, positive);
}

RankingMetric::RankingMetric(const std::string& name, Average average, const MetricOptions& options)
    : Metric(name), average_(average), options_(options) {}

void RankingMetric::update(const Tensor& output, const Tensor& target) {
  const detail::ClassOutputs out = detail::read_outputs(name(), output, /*labels_allowed=*/false);
  const std::vector<int64_t> truth = detail::read_targets(name(), target, output, out.rows);
  const int64_t cols = out.kind == detail::ClassOutputs::Kind::Binary ? 1 : out.cols;
  STRATA_CHECK(columns_ == 0 || columns_ == cols,
               "{}: output of shape {} has {} score columns, earlier batches had {}", name(),
               output.shape().str(), cols, columns_);
  STRATA_CHECK(options_.num_classes == 0 || cols == 1 || cols == options_.num_classes,
               "{}: output of shape {} has {} classes but num_classes = {}", name(), output.shape().str(),
               cols, options_.num_classes);
  if (cols > 1) {
    for (size_t i = 0; i < truth.size(); ++i) {
      STRATA_CHECK(truth[i] < cols, "{}: target {} at row {} is out of range for output of shape {}", name(),
                   truth[i], i, output.shape().str());
    }
    const std::vector<double> p = detail::probabilities(out, options_.scores);
    scores_.insert(scores_.end(), p.begin(), p.end());
  } else {
    scores_.insert(scores_.end(), out.scores(), out.scores() + out.rows);
  }
  targets_.insert(targets_.end(), truth.begin(), truth.end());
  columns_ = cols;
}

void RankingMetric::reset() {
  scores_.clear();
  targets_.clear();
  columns_ = 0;
}

void RankingMetric::column(int64_t c, std::vector<double>& scores, std::vector<uint8_t>& positive) const {
  const size_t n = targets_.size();
  scores.resize(n);
  positive.resize(n);
  const int64_t label = c < 0 ? options_.pos_label : c;
  for (size_t i = 0; i < n; ++i) {
    scores[i] = c < 0 ? scores_[i] : scores_[i * static_cast<size_t>(columns_) + static_cast<size_t>(c)];
    positive[i] = targets_[i] == label;
  }
}

std::vector<int64_t> RankingMetric::class_support() const {
  std::vector<int64_t> support(static_cast<size_t>(columns_), 0);
  for (int64_t t : targets_) ++support[static_cast<size_t>(t)];
  return support;
}

RocAuc::RocAuc(Average average, const MetricOptions& options)
    : RankingMetric(average == Average::Weighted ? "roc_auc_weighted" : "roc_auc", average, options) {
  STRATA_CHECK(average == Average::Macro || average == Average::Weighted,
               "roc_auc: average must be macro or weighted, got {}", average_name(average));
}

std::vector<RocCurve> RocAuc::curves() const {
  check_not_empty();
  std::vector<RocCurve> out;
  std::vector<double> s;
  std::vector<uint8_t> positive;
  for (int64_t c = binary() ? -1 : 0; c < (binary() ? 0 : columns()); ++c) {
    column(c, s, positive);
    out.push_back(roc_of(s, positive));
  }
  return out;
}

double RocAuc::compute() const {
  const std::vector<RocCurve> all = curves();
  if (binary()) return all[0].auc;
  const std::vector<int64_t> support = class_support();
  double sum = 0, weights = 0;
  for (size_t c = 0; c < all.size(); ++c) {
    if (std::isnan(all[c].auc)) continue;  // the class is absent (or alone): its AUC is undefined
    const double w = average_ == Average::Macro ? 1.0 : static_cast<double>(support[c]);
    sum += w * all[c].auc;
    weights += w;
  }
  return weights > 0 ? sum / weights : NAN;
}

AveragePrecision::AveragePrecision(Average average, const MetricOptions& options)
    : RankingMetric(
          average == Average::Macro ? "average_precision" : "average_precision_" + average_name(average),
          average, options) {
  STRATA_CHECK(average == Average::Macro || average == Average::Weighted || average == Average::Micro,
               "average_precision: average must be macro, micro or weighted, got {}", average_name(average));
}

std::vector<PrecisionRecallCurve> AveragePrecision::curves() const {
  check_not_empty();
  std::vector<PrecisionRecallCurve> out;
  std::vector<double> s;
  std::vector<uint8_t> positive;
  for (int64_t c = binary() ? -1 : 0; c < (binary() ? 0 : columns()); ++c) {
    column(c, s, positive);
    out.push_back(pr_of(s, positive));
  }
  return out;
}

double AveragePrecision::compute() const {
  check_not_empty();
  if (!binary() && average_ == Average::Micro) {  // every (row, class) pair of the binarised targets
    std::vector<double> all, s;
    std::vector<uint8_t> all_positive, positive;
    for (int64_t c = 0; c < columns(); ++c) {
      column(c, s, positive);
      all.insert(all.end(), s.begin(), s.end());
      all_positive.insert(all_positive.end(), positive.begin(), positive.end());
    }
    return pr_of(all, all_positive).average_precision;
  }
  const std::vector<PrecisionRecallCurve> all = curves();
  if (binary()) return all[0].average_precision;
  const std::vector<int64_t> support = class_support();
  double sum = 0, weights = 0;
  for (size_t c = 0; c < all.size(); ++c) {
    const double w = average_ == Average::Macro ? 1.0 : static_cast<double>(support[c]);
    sum += w * all[c].average_precision;
    weights += w;
  }
  return weights > 0 ? sum / weights : 0.0;
}

}  // namespace strata::metrics
