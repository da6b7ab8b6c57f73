// scikit-learn's classification_report layout, reproduced character for character.
#include "strata/metrics/report.h"

#include <algorithm>

#include "strata/core/factory.h"
#include "strata/metrics/confusion.h"

namespace strata::metrics {

std::string classification_report(const Tensor& confusion, const std::vector<std::string>& class_names,
                                  int digits) {
  STRATA_CHECK(digits >= 0 && digits <= 15, "classification_report: digits must be in [0, 15], got {}",
               digits);
  STRATA_CHECK(confusion.defined() && confusion.dim() == 2 && confusion.size(0) == confusion.size(1),
               "classification_report: a confusion matrix must be square [C, C], got shape {}",
               confusion.defined() ? confusion.shape().str() : "undefined");
  const auto c = static_cast<size_t>(confusion.size(0));
  STRATA_CHECK(class_names.empty() || class_names.size() == c,
               "classification_report: {} class names for a confusion matrix of shape {}", class_names.size(),
               confusion.shape().str());
  std::vector<std::string> names = class_names;
  for (size_t i = names.size(); i < c; ++i) names.push_back(std::to_string(i));
  const ClassScores s = class_scores(confusion, 1.0);

  // Averages over every listed class (absent ones count as 0), as scikit-learn with explicit labels.
  double total = 0, macro_p = 0, macro_r = 0, macro_f = 0, weighted_p = 0, weighted_r = 0, weighted_f = 0;
  for (size_t i = 0; i < c; ++i) {
    const double support = static_cast<double>(s.support[i]);
    total += support;
    macro_p += s.precision[i], macro_r += s.recall[i], macro_f += s.fbeta[i];
    weighted_p += support * s.precision[i], weighted_r += support * s.recall[i],
        weighted_f += support * s.fbeta[i];
  }
  const double n = static_cast<double>(c);
  const bool micro_is_accuracy = std::all_of(s.present.begin(), s.present.end(), [](bool p) { return p; });
  const PrecisionRecallF micro = precision_recall_fscore(confusion, Average::Micro);

  size_t width = std::max<size_t>(std::string("weighted avg").size(), static_cast<size_t>(digits));
  for (const std::string& name : names) width = std::max(width, name.size());
  std::string out = fmt::format("{:>{}} ", "", width);
  for (const char* h : {"precision", "recall", "f1-score", "support"}) out += fmt::format(" {:>9}", h);
  out += "\n\n";
  auto row = [&](const std::string& name, double p, double r, double f, int64_t support) {
    out += fmt::format("{:>{}}  {:>9.{}f} {:>9.{}f} {:>9.{}f} {:>9}\n", name, width, p, digits, r, digits, f,
                       digits, support);
  };
  for (size_t i = 0; i < c; ++i) row(names[i], s.precision[i], s.recall[i], s.fbeta[i], s.support[i]);
  out += "\n";
  const auto all = static_cast<int64_t>(total);
  if (micro_is_accuracy) {
    out += fmt::format("{:>{}}  {:>9} {:>9} {:>9.{}f} {:>9}\n", "accuracy", width, "", "", micro.fbeta,
                       digits, all);
  } else {
    row("micro avg", micro.precision, micro.recall, micro.fbeta, all);
  }
  row("macro avg", macro_p / n, macro_r / n, macro_f / n, all);
  row("weighted avg", weighted_p / total, weighted_r / total, weighted_f / total, all);
  return out;
}

std::string classification_report(const Tensor& y_true, const Tensor& y_pred,
                                  const std::vector<std::string>& class_names, int digits) {
  ConfusionMatrix cm({.num_classes = static_cast<int64_t>(class_names.size())}, "classification_report");
  cm.update(y_pred, y_true);
  Tensor m = cm.matrix();
  if (!class_names.empty()) return classification_report(m, class_names, digits);
  // Without names, only the classes that occur get a row (scikit-learn's inferred labels).
  const int64_t c = cm.num_classes();
  const std::vector<int64_t>& counts = cm.counts();
  std::vector<int64_t> labels;
  for (int64_t k = 0; k < c; ++k) {
    bool present = false;
    for (int64_t j = 0; j < c && !present; ++j)
      present = counts[static_cast<size_t>(k * c + j)] > 0 || counts[static_cast<size_t>(j * c + k)] > 0;
    if (present) labels.push_back(k);
  }
  std::vector<int64_t> sub;
  std::vector<std::string> names;
  for (int64_t a : labels) {
    names.push_back(std::to_string(a));
    for (int64_t b : labels) sub.push_back(counts[static_cast<size_t>(a * c + b)]);
  }
  const auto k = static_cast<int64_t>(labels.size());
  return classification_report(from_vector(sub, {k, k}), names, digits);
}

}  // namespace strata::metrics
