// box_iou, nms and batched_nms against torchvision.ops (tests/fixtures/detection.safetensors, written by
// scripts/gen_fixtures_vision.py): random, crowded and edge-case boxes.
#include "golden_util.h"
#include "strata/metrics/detection.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

Tensor iou_case(Case& c) { return metrics::box_iou(c.in("boxes1"), c.in("boxes2")); }
Tensor nms_case(Case& c) { return metrics::nms(c.in("boxes"), c.in("scores"), c.in("iou_threshold").item()); }
Tensor batched_case(Case& c) {
  return metrics::batched_nms(c.in("boxes"), c.in("scores"), c.in("idxs"), c.in("iou_threshold").item());
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"box_iou_small", iou_case},
      {"box_iou_large", iou_case},
      {"box_iou_edges", iou_case},
      {"nms_random", nms_case},
      {"nms_crowded", nms_case},
      {"nms_crowded_03", nms_case},
      {"nms_loose", nms_case},
      {"batched_nms_crowded", batched_case},
      {"batched_nms_many", batched_case},
  };
  return all;
}

STRATA_GOLDEN_TESTS(DetectionGolden, "detection.safetensors", cases);

}  // namespace
}  // namespace strata
