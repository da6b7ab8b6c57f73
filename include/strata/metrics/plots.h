#pragma once
// Evaluation plots written as PNG: the confusion matrix (counts and row-normalised heat maps side by side)
// and ROC curves.
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/metrics/ranking.h"

namespace strata::metrics {

// Two labelled heat maps of a [C, C] confusion matrix, counts and rows normalised to 1 (recall on the
// diagonal), with class names on both axes ("0", "1", ... when empty).
void plot_confusion_matrix(const std::string& path, const Tensor& confusion,
                           const std::vector<std::string>& class_names = {});

// ROC curves on one chart with the chance diagonal; the legend names each curve with its AUC.
void plot_roc_curves(const std::string& path, const std::vector<RocCurve>& curves,
                     const std::vector<std::string>& labels = {});
// The curves of a RocAuc metric's accumulated scores (one per class for multi-class scores).
void plot_roc_curve(const std::string& path, const RocAuc& metric,
                    const std::vector<std::string>& class_names = {});

}  // namespace strata::metrics
