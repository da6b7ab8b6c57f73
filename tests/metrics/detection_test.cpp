// Detection metrics against hand-computed cases: IoU edge cases, NMS with ties and crowds, and average
// precision with duplicates, misses, wrong classes, equal scores and COCO's 101-point interpolation.
#include "strata/metrics/detection.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

Tensor boxes(const std::vector<float>& v) { return from_vector(v, {static_cast<int64_t>(v.size() / 4), 4}); }
Tensor scores(const std::vector<float>& v) { return from_vector(v); }

TEST(BoxIou, HandComputedPairs) {
  const Tensor a = boxes({0, 0, 10, 10, 0, 0, 0, 0});
  const Tensor b = boxes({0, 0, 10, 10, 5, 0, 15, 10, 20, 20, 30, 30, 0, 0, 0, 0});
  const auto v = box_iou(a, b).to_vector<float>();
  ASSERT_EQ(v.size(), 8u);
  EXPECT_FLOAT_EQ(v[0], 1.0f);
  EXPECT_FLOAT_EQ(v[1], 50.0f / 150.0f);
  EXPECT_FLOAT_EQ(v[2], 0.0f);
  EXPECT_FLOAT_EQ(v[3], 0.0f);
  EXPECT_FLOAT_EQ(v[7], 0.0f);  // two empty boxes: 0, not NaN
}

TEST(BoxIou, RejectsBadShapes) {
  EXPECT_NE(error_of([] {
              box_iou(from_vector<float>({1, 2, 3}), boxes({0, 0, 1, 1}));
            }).find("box_iou: boxes1"),
            std::string::npos);
}

TEST(Nms, KeepsHighestAndDropsOverlaps) {
  // Boxes 0 and 1 overlap with IoU 0.818; box 2 overlaps box 0 by 1/3.
  const Tensor b = boxes({0, 0, 10, 10, 1, 0, 11, 10, 5, 0, 15, 10});
  EXPECT_EQ(nms(b, scores({0.8f, 0.9f, 0.7f}), 0.5).to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(nms(b, scores({0.8f, 0.9f, 0.7f}), 0.3).to_vector<int64_t>(), (std::vector<int64_t>{1}));
  EXPECT_EQ(nms(b, scores({0.8f, 0.9f, 0.7f}), 0.9).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));
}

TEST(Nms, EqualScoresKeepTheLowerIndex) {
  const Tensor b = boxes({0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10});
  EXPECT_EQ(nms(b, scores({0.5f, 0.5f, 0.5f}), 0.5).to_vector<int64_t>(), (std::vector<int64_t>{0}));
}

TEST(Nms, CrowdedSceneOfCopies) {
  // Ten jittered copies of one box and one far box: one survivor each.
  std::vector<float> v, s;
  for (int i = 0; i < 10; ++i) {
    v.insert(v.end(), {static_cast<float>(i) * 0.2f, 0, 10 + static_cast<float>(i) * 0.2f, 10});
    s.push_back(0.1f * static_cast<float>(i));
  }
  v.insert(v.end(), {50, 50, 60, 60});
  s.push_back(0.05f);
  EXPECT_EQ(nms(boxes(v), scores(s), 0.5).to_vector<int64_t>(), (std::vector<int64_t>{9, 10}));
}

TEST(Nms, EmptyInputAndBadScores) {
  EXPECT_EQ(nms(boxes({}), scores({}), 0.5).numel(), 0);
  EXPECT_NE(error_of([] {
              nms(boxes({0, 0, 1, 1}), scores({0.1f, 0.2f}), 0.5);
            }).find("nms: scores must be [1]"),
            std::string::npos);
}

TEST(BatchedNms, CategoriesDoNotSuppressEachOther) {
  const Tensor b = boxes({0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10});
  const Tensor keep = batched_nms(b, scores({0.9f, 0.8f, 0.7f}), labels({0, 1, 0}), 0.5);
  EXPECT_EQ(keep.to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
}

MeanAveragePrecision one_image(const std::vector<float>& det_boxes, const std::vector<float>& det_scores,
                               const std::vector<int64_t>& det_labels, const std::vector<float>& gt_boxes,
                               const std::vector<int64_t>& gt_labels) {
  MeanAveragePrecision m;
  m.update({boxes(det_boxes), scores(det_scores), labels(det_labels)}, {boxes(gt_boxes), labels(gt_labels)});
  return m;
}

TEST(MeanAveragePrecision, PerfectDetectionIsOne) {
  const auto m = one_image({0, 0, 10, 10}, {0.9f}, {3}, {0, 0, 10, 10}, {3});
  EXPECT_DOUBLE_EQ(m.map_at(0.5), 1.0);
  EXPECT_DOUBLE_EQ(m.map(), 1.0);
}

TEST(MeanAveragePrecision, LooseBoxCountsOnlyAtLowThresholds) {
  // IoU 0.62: a hit at 0.50, 0.55 and 0.60 only, so mAP@[0.5:0.95] = 3 / 10.
  const auto m = one_image({0, 0, 10, 6.2f}, {0.9f}, {0}, {0, 0, 10, 10}, {0});
  EXPECT_DOUBLE_EQ(m.map_at(0.5), 1.0);
  EXPECT_DOUBLE_EQ(m.map_at(0.65), 0.0);
  EXPECT_NEAR(m.map(), 0.3, 1e-12);
}

TEST(MeanAveragePrecision, FalsePositiveFirstInterpolates) {
  // Scores 0.9 (miss), 0.8 (hit), 0.7 (hit) on two objects: precision 0, 1/2, 2/3 at recall 0, 1/2, 1;
  // made monotone it is 2/3 at every recall point.
  const auto m = one_image({50, 50, 60, 60, 0, 0, 10, 10, 20, 20, 30, 30}, {0.9f, 0.8f, 0.7f}, {0, 0, 0},
                           {0, 0, 10, 10, 20, 20, 30, 30}, {0, 0});
  EXPECT_NEAR(m.map_at(0.5), 2.0 / 3.0, 1e-12);
}

TEST(MeanAveragePrecision, CrowdedDuplicatesAreFalsePositives) {
  // Two objects overlapping by IoU 1/3. The duplicate (0.8) overlaps the taken object by 0.818 and the
  // other by 0.43, so it is a false positive: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> monotone
  // 1 up to recall 0.5 (51 points) and 2/3 above (50 points).
  const auto m = one_image({0, 0, 10, 10, 1, 0, 11, 10, 5, 0, 15, 10}, {0.9f, 0.8f, 0.7f}, {0, 0, 0},
                           {0, 0, 10, 10, 5, 0, 15, 10}, {0, 0});
  EXPECT_NEAR(m.map_at(0.5), (51.0 + 50.0 * 2.0 / 3.0) / 101.0, 1e-12);
}

TEST(MeanAveragePrecision, HighestIouMatchWins) {
  // One detection between two objects of the same class takes the one it overlaps most; the second
  // detection then matches the other.
  const auto m =
      one_image({2, 0, 12, 10, 5, 0, 15, 10}, {0.9f, 0.8f}, {0, 0}, {5, 0, 15, 10, 0, 0, 10, 10}, {0, 0});
  EXPECT_DOUBLE_EQ(m.map_at(0.5), 1.0);
}

TEST(MeanAveragePrecision, EqualScoresFollowImageOrder) {
  // The same score in two images: the earlier image's detection ranks first (pycocotools' stable sort).
  MeanAveragePrecision miss_first, hit_first;
  const GroundTruth truth{boxes({0, 0, 10, 10}), labels({0})};
  const Detections miss{boxes({50, 50, 60, 60}), scores({0.5f}), labels({0})};
  const Detections hit{boxes({0, 0, 10, 10}), scores({0.5f}), labels({0})};
  const GroundTruth nothing{boxes({}), labels({})};
  miss_first.update(miss, nothing);
  miss_first.update(hit, truth);
  hit_first.update(hit, truth);
  hit_first.update(miss, nothing);
  EXPECT_DOUBLE_EQ(miss_first.map_at(0.5), 0.5);
  EXPECT_DOUBLE_EQ(hit_first.map_at(0.5), 1.0);
}

TEST(MeanAveragePrecision, WrongClassAndMissedObjects) {
  // Class 0: found. Class 1: never detected (AP 0). Class 2: detections but no ground truth (ignored).
  const auto m =
      one_image({0, 0, 10, 10, 20, 20, 30, 30}, {0.9f, 0.8f}, {0, 2}, {0, 0, 10, 10, 20, 20, 30, 30}, {0, 1});
  EXPECT_DOUBLE_EQ(m.average_precision(0, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(m.average_precision(1, 0.5), 0.0);
  EXPECT_TRUE(std::isnan(m.average_precision(2, 0.5)));
  EXPECT_DOUBLE_EQ(m.map_at(0.5), 0.5);
}

TEST(MeanAveragePrecision, HalfRecallCapsAp) {
  // One of two objects found: precision 1 up to recall 0.5 (51 of 101 points), 0 beyond.
  const auto m = one_image({0, 0, 10, 10}, {0.9f}, {0}, {0, 0, 10, 10, 20, 20, 30, 30}, {0, 0});
  EXPECT_NEAR(m.map_at(0.5), 51.0 / 101.0, 1e-12);
}

TEST(MeanAveragePrecision, StreamsOverImages) {
  MeanAveragePrecision m({0.5});
  m.update({boxes({0, 0, 10, 10}), scores({0.9f}), labels({1})}, {boxes({0, 0, 10, 10}), labels({1})});
  m.update({boxes({}), scores({}), labels({})}, {boxes({0, 0, 10, 10}), labels({1})});
  EXPECT_EQ(m.images(), 2);
  EXPECT_NEAR(m.map_at(0.5), 51.0 / 101.0, 1e-12);
  m.reset();
  EXPECT_NE(error_of([&] { m.map_at(0.5); }).find("no images"), std::string::npos);
}

TEST(MeanAveragePrecision, RejectsBadInput) {
  MeanAveragePrecision m;
  EXPECT_NE(error_of([&] {
              m.update({boxes({0, 0, 1, 1}), scores({0.5f, 0.1f}), labels({0})}, {boxes({}), labels({})});
            }).find("detections.scores must be [1]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m.update({boxes({}), scores({}), labels({})}, {boxes({0, 0, 1, 1}), labels({-1})});
            }).find("truth.labels must hold class indices"),
            std::string::npos);
  EXPECT_NE(error_of([] { MeanAveragePrecision bad({1.5}); }).find("[0, 1]"), std::string::npos);
  m.update({boxes({}), scores({}), labels({})}, {boxes({0, 0, 1, 1}), labels({0})});
  EXPECT_NE(error_of([&] { m.map_at(0.42); }).find("not one of the thresholds"), std::string::npos);
}

}  // namespace
}  // namespace strata::metrics
