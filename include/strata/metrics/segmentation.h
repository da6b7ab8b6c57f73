#pragma once
// Semantic segmentation metrics over a confusion matrix of pixels: pixel accuracy and mean IoU (per class
// TP / (TP + FP + FN), averaged over the classes present in the targets or the predictions, as
// torchmetrics' JaccardIndex with average="macro" ignoring absent classes).
#include <cstdint>

#include "strata/core/tensor.h"

namespace strata::metrics {

// Accumulates predicted and true class maps. Predictions are i64 class maps [N, H, W] or scores
// [N, C, H, W] (argmax over C); targets i64 [N, H, W] in [0, num_classes).
class SegmentationMetrics {
 public:
  explicit SegmentationMetrics(int64_t num_classes);
  // Adds one batch; throws naming the shapes when they disagree or a label is out of range.
  void update(const Tensor& prediction, const Tensor& target);
  // Correct pixels / all pixels.
  double pixel_accuracy() const;
  // IoU of class c; NaN when it is in neither the targets nor the predictions.
  double iou(int64_t c) const;
  // Mean of iou() over the classes present.
  double mean_iou() const;
  // The [C, C] confusion counts (rows: true class, columns: predicted), i64.
  Tensor confusion() const;
  void reset();

 private:
  int64_t num_classes_;
  std::vector<int64_t> counts_;  // true * C + predicted
};

// Pixel accuracy of one prediction against its target (shapes as SegmentationMetrics::update).
double pixel_accuracy(const Tensor& prediction, const Tensor& target, int64_t num_classes);
// Mean IoU of one prediction against its target.
double mean_iou(const Tensor& prediction, const Tensor& target, int64_t num_classes);

}  // namespace strata::metrics
