#pragma once
// Object detection: box IoU, non-maximum suppression (torchvision.ops.box_iou / nms / batched_nms) and
// mean average precision as COCO computes it (greedy matching of detections in score order to unmatched
// ground truth of the same class, precision made monotone and sampled at 101 recall points, averaged over
// the classes that have ground truth). Boxes are (x1, y1, x2, y2) with x1 <= x2, y1 <= y2.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::metrics {

// Pairwise IoU of boxes1 [N, 4] and boxes2 [M, 4]: f32 [N, M] (0 where both boxes are empty).
Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2);

// Indices (i64) of the boxes [N, 4] kept by greedy NMS, by decreasing score [N]: a box is dropped when its
// IoU with a kept, higher-scoring box exceeds iou_threshold. Equal scores keep the lower index first.
Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold);

// NMS within each category (idxs i64 [N]): boxes of different categories never suppress each other.
// Indices by decreasing score, as torchvision.ops.batched_nms.
Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs, double iou_threshold);

// Detections of one image: boxes [K, 4], scores [K], labels i64 [K].
struct Detections {
  Tensor boxes, scores, labels;
};
// Ground truth of one image: boxes [G, 4], labels i64 [G].
struct GroundTruth {
  Tensor boxes, labels;
};

// Mean average precision accumulated over images.
class MeanAveragePrecision {
 public:
  // IoU thresholds: COCO's 0.50, 0.55, ..., 0.95 by default.
  explicit MeanAveragePrecision(std::vector<double> iou_thresholds = {});
  // Adds one image's detections and ground truth; throws naming the field on a shape mismatch.
  void update(const Detections& detections, const GroundTruth& truth);
  // AP of `label` at IoU threshold `iou` (one of the thresholds); NaN when the class has no ground truth.
  double average_precision(int64_t label, double iou) const;
  // mAP at one of the thresholds (0.5: PASCAL VOC's mAP@0.5 with COCO's 101-point interpolation).
  double map_at(double iou) const;
  // mAP averaged over all thresholds (COCO's mAP@[0.5:0.95]).
  double map() const;
  // Images seen since construction or reset().
  int64_t images() const { return images_; }
  void reset();

 private:
  struct Scored {
    double score;
    int64_t image;
    int64_t order;              // position among all detections (stable tie-break)
    std::vector<char> matched;  // per threshold: true positive
  };
  std::vector<double> thresholds_;
  std::vector<std::vector<Scored>> by_class_;  // label -> detections
  std::vector<int64_t> truth_count_;           // label -> ground-truth boxes
  int64_t images_ = 0, order_ = 0;
};

}  // namespace strata::metrics
