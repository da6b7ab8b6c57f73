// Segmentation metrics: one pass over the pixels fills a confusion matrix; the metrics read it.
#include "strata/metrics/segmentation.h"

#include <cmath>
#include <limits>
#include <vector>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/reduction.h"

namespace strata::metrics {

SegmentationMetrics::SegmentationMetrics(int64_t num_classes)
    : num_classes_(num_classes), counts_(static_cast<size_t>(num_classes * num_classes), 0) {
  STRATA_CHECK(num_classes >= 1, "SegmentationMetrics: num_classes must be positive, got {}", num_classes);
}

void SegmentationMetrics::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

void SegmentationMetrics::update(const Tensor& prediction, const Tensor& target) {
  STRATA_CHECK(prediction.defined() && target.defined(),
               "SegmentationMetrics: prediction and target are required");
  Tensor labels = prediction;
  if (prediction.dim() == target.dim() + 1) {
    STRATA_CHECK(prediction.size(1) == num_classes_,
                 "SegmentationMetrics: scores {} must have {} classes in dim 1 for target {}",
                 prediction.shape().str(), num_classes_, target.shape().str());
    labels = ops::argmax(prediction.to(kCPU).detach(), 1);
  }
  STRATA_CHECK(
      labels.shape() == target.shape(),
      "SegmentationMetrics: prediction {} and target {} must have the same shape (or scores [N, C, ...])",
      prediction.shape().str(), target.shape().str());
  const Tensor p = labels.to(kCPU).to(kInt64).contiguous(), t = target.to(kCPU).to(kInt64).contiguous();
  const int64_t* pp = p.data_ptr<int64_t>();
  const int64_t* tp = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < p.numel(); ++i) {
    STRATA_CHECK(
        tp[i] >= 0 && tp[i] < num_classes_ && pp[i] >= 0 && pp[i] < num_classes_,
        "SegmentationMetrics: labels must be in [0, {}), got target {} and prediction {} at pixel {}",
        num_classes_, tp[i], pp[i], i);
    ++counts_[static_cast<size_t>(tp[i] * num_classes_ + pp[i])];
  }
}

double SegmentationMetrics::pixel_accuracy() const {
  int64_t correct = 0, total = 0;
  for (int64_t c = 0; c < num_classes_; ++c) correct += counts_[static_cast<size_t>(c * num_classes_ + c)];
  for (int64_t v : counts_) total += v;
  STRATA_CHECK(total > 0, "SegmentationMetrics: no pixels given (call update() first)");
  return static_cast<double>(correct) / static_cast<double>(total);
}

double SegmentationMetrics::iou(int64_t c) const {
  STRATA_CHECK(c >= 0 && c < num_classes_, "SegmentationMetrics.iou: class {} out of range [0, {})", c,
               num_classes_);
  int64_t row = 0, col = 0;
  for (int64_t k = 0; k < num_classes_; ++k) {
    row += counts_[static_cast<size_t>(c * num_classes_ + k)];
    col += counts_[static_cast<size_t>(k * num_classes_ + c)];
  }
  const int64_t tp = counts_[static_cast<size_t>(c * num_classes_ + c)];
  const int64_t uni = row + col - tp;
  return uni > 0 ? static_cast<double>(tp) / static_cast<double>(uni)
                 : std::numeric_limits<double>::quiet_NaN();
}

double SegmentationMetrics::mean_iou() const {
  double sum = 0;
  int64_t present = 0;
  for (int64_t c = 0; c < num_classes_; ++c) {
    const double v = iou(c);
    if (std::isnan(v)) continue;
    sum += v;
    ++present;
  }
  STRATA_CHECK(present > 0, "SegmentationMetrics: no pixels given (call update() first)");
  return sum / static_cast<double>(present);
}

Tensor SegmentationMetrics::confusion() const { return from_vector(counts_, {num_classes_, num_classes_}); }

double pixel_accuracy(const Tensor& prediction, const Tensor& target, int64_t num_classes) {
  SegmentationMetrics m(num_classes);
  m.update(prediction, target);
  return m.pixel_accuracy();
}

double mean_iou(const Tensor& prediction, const Tensor& target, int64_t num_classes) {
  SegmentationMetrics m(num_classes);
  m.update(prediction, target);
  return m.mean_iou();
}

}  // namespace strata::metrics
