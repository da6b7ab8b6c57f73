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

// `image` [C, H, W] (C = 1 or 3; u8, or floating in [0, 1]) enlarged `scale` times with boxes [K, 4]
// (x1, y1, x2, y2 in image pixels) outlined in their label's colour and captioned with the class name
// (names[label], else the number) and the score when scores [K] are given: u8 RGB [3, H * scale, W * scale].
Tensor draw_boxes(const Tensor& image, const Tensor& boxes, const Tensor& labels, const Tensor& scores = {},
                  const std::vector<std::string>& names = {}, int64_t scale = 4);

// `image` enlarged `scale` times with a class map [H, W] blended over it (class c > 0 in the colour of
// palette entry c - 1 at weight alpha; 0, the background, left clear): u8 RGB [3, H * scale, W * scale].
Tensor draw_mask(const Tensor& image, const Tensor& mask, double alpha = 0.5, int64_t scale = 4);

}  // namespace strata::metrics
