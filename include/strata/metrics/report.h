#pragma once
// classification_report: per-class precision, recall, F1 and support plus accuracy, macro and weighted
// averages, as text laid out exactly like scikit-learn's classification_report.
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::metrics {

// The report of a [C, C] confusion matrix (rows true, columns predicted) with one row per class
// (names "0", "1", ... when class_names is empty). Like scikit-learn given labels=range(C): the summary
// starts with "accuracy" when every class occurs among targets or predictions, "micro avg" otherwise.
std::string classification_report(const Tensor& confusion, const std::vector<std::string>& class_names = {},
                                  int digits = 2);
// The report of targets [N] and predictions ([N] labels or scores, as ConfusionMatrix reads them). With
// class_names the rows are classes 0..names-1; without, the classes that occur (scikit-learn's default).
std::string classification_report(const Tensor& y_true, const Tensor& y_pred,
                                  const std::vector<std::string>& class_names = {}, int digits = 2);

}  // namespace strata::metrics
