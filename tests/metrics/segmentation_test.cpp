// Segmentation metrics against hand-computed confusion matrices.
#include "strata/metrics/segmentation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;

Tensor map(const std::vector<int64_t>& v, int64_t h, int64_t w) { return from_vector(v, {1, h, w}); }

TEST(SegmentationMetrics, HandComputedIouAndAccuracy) {
  // target: 0 0 1 1 / 2 2 1 1   prediction: 0 1 1 1 / 2 0 1 1
  const Tensor t = map({0, 0, 1, 1, 2, 2, 1, 1}, 2, 4), p = map({0, 1, 1, 1, 2, 0, 1, 1}, 2, 4);
  SegmentationMetrics m(3);
  m.update(p, t);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 6.0 / 8.0);
  EXPECT_DOUBLE_EQ(m.iou(0), 1.0 / 3.0);  // TP 1, FN 1, FP 1
  EXPECT_DOUBLE_EQ(m.iou(1), 4.0 / 5.0);  // TP 4, FP 1
  EXPECT_DOUBLE_EQ(m.iou(2), 1.0 / 2.0);  // TP 1, FN 1
  EXPECT_DOUBLE_EQ(m.mean_iou(), (1.0 / 3.0 + 0.8 + 0.5) / 3.0);
  EXPECT_EQ(m.confusion().to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 0, 0, 4, 0, 1, 0, 1}));
}

TEST(SegmentationMetrics, AbsentClassesAreLeftOut) {
  const Tensor t = map({0, 0, 3, 3}, 2, 2);
  SegmentationMetrics m(5);
  m.update(t, t);
  EXPECT_TRUE(std::isnan(m.iou(1)));
  EXPECT_DOUBLE_EQ(m.mean_iou(), 1.0);
  EXPECT_DOUBLE_EQ(mean_iou(t, t, 5), 1.0);
  EXPECT_DOUBLE_EQ(pixel_accuracy(t, t, 5), 1.0);
}

TEST(SegmentationMetrics, ScoresAreArgmaxedAndBatchesStream) {
  // Scores [1, 2, 1, 2]: class 1 wins at pixel 1 only.
  const Tensor scores = from_vector<float>({0.9f, 0.2f, 0.1f, 0.8f}, {1, 2, 1, 2});
  const Tensor t = from_vector<int64_t>({0, 0}, {1, 1, 2});
  SegmentationMetrics m(2);
  m.update(scores, t);
  m.update(from_vector<int64_t>({1, 1}, {1, 1, 2}), from_vector<int64_t>({1, 1}, {1, 1, 2}));
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.iou(0), 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(m.iou(1), 2.0 / 3.0);
  m.reset();
  EXPECT_NE(error_of([&] { m.pixel_accuracy(); }).find("no pixels"), std::string::npos);
}

TEST(SegmentationMetrics, RejectsBadInput) {
  SegmentationMetrics m(2);
  EXPECT_NE(error_of([&] {
              m.update(map({0, 1}, 1, 2), map({0, 1, 1}, 1, 3));
            }).find("same shape"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              m.update(map({0, 2}, 1, 2), map({0, 1}, 1, 2));
            }).find("labels must be in [0, 2)"),
            std::string::npos);
  EXPECT_NE(error_of([] { SegmentationMetrics bad(0); }).find("positive"), std::string::npos);
}

}  // namespace
}  // namespace strata::metrics
