// Streaming classification metrics: accuracy, top-k, precision / recall / F-beta, MCC, Cohen's kappa.
#include "strata/metrics/classification.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(Accuracy, StreamedBatchesEqualOneShot) {
  const Tensor pred = labels({0, 1, 2, 2, 1, 0, 0, 2});
  const Tensor truth = labels({0, 1, 1, 2, 1, 2, 0, 0});
  Accuracy once, streamed;
  once.update(pred, truth);
  streamed.update(pred.narrow(0, 0, 3), truth.narrow(0, 0, 3));
  streamed.update(pred.narrow(0, 3, 5), truth.narrow(0, 3, 5));
  EXPECT_DOUBLE_EQ(once.compute(), 5.0 / 8.0);
  EXPECT_DOUBLE_EQ(streamed.compute(), once.compute());
  EXPECT_TRUE(once.higher_is_better());
  EXPECT_TRUE(once.is_scalar());
  EXPECT_EQ(once.compute_tensor().dim(), 0);
}

TEST(TopKAccuracy, CountsTargetsAmongTheKBest) {
  const Tensor scores = from_vector<float>({0.5f, 0.3f, 0.2f, 0.1f, 0.2f, 0.7f, 0.3f, 0.4f, 0.3f}, {3, 3});
  const Tensor truth = labels({1, 0, 1});
  TopKAccuracy top1({.top_k = 1}), top2({.top_k = 2}), top3({.top_k = 3});
  for (TopKAccuracy* m : {&top1, &top2, &top3}) m->update(scores, truth);
  // The targets rank second, third and first in their rows.
  EXPECT_DOUBLE_EQ(top1.compute(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(top2.compute(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(top3.compute(), 1.0);
  EXPECT_EQ(top2.name(), "top2_accuracy");
}

TEST(TopKAccuracy, TiesRankHigherClassIndicesFirst) {
  // All scores equal: scikit-learn's reversed stable argsort puts class 2, then 1, then 0 first.
  const Tensor scores = full({3, 3}, 0.25);
  TopKAccuracy top1({.top_k = 1});
  top1.update(scores, labels({2, 1, 0}));
  EXPECT_DOUBLE_EQ(top1.compute(), 1.0 / 3.0);
}

TEST(TopKAccuracy, RefusesBadInput) {
  EXPECT_NE(error_of([] { TopKAccuracy({.top_k = 0}); }).find("k must be at least 1, got 0"),
            std::string::npos);
  TopKAccuracy top;
  std::string msg = error_of([&] { top.update(from_vector<double>({0.2, 0.9}), labels({0, 1})); });
  EXPECT_NE(msg.find("top5_accuracy: output of shape [2] must be [N, C] class scores"), std::string::npos)
      << msg;
  msg = error_of([&] { top.update(zeros({1, 3}), labels({3})); });
  EXPECT_NE(msg.find("target 3 at row 0 is out of range"), std::string::npos) << msg;
}

TEST(PrecisionRecallF, NamesFollowTheRegistry) {
  EXPECT_EQ(Precision().name(), "precision_macro");
  EXPECT_EQ(Recall(Average::Weighted).name(), "recall_weighted");
  EXPECT_EQ(F1(Average::Binary).name(), "f1_binary");
  EXPECT_EQ(FBeta(Average::Micro, {.beta = 2}).name(), "fbeta_micro");
  EXPECT_EQ(F1(Average::Macro, {.beta = 3}).name(), "f1_macro");  // F1 ignores beta
  EXPECT_EQ(Precision(Average::None).name(), "precision_per_class");
}

TEST(PrecisionRecallF, BinaryUsesThresholdAndPositiveLabel) {
  const Tensor p = from_vector<double>({0.9, 0.8, 0.3, 0.6, 0.1});
  const Tensor truth = labels({1, 0, 1, 1, 0});  // predicted 1, 1, 0, 1, 0
  F1 f1(Average::Binary);
  f1.update(p, truth);
  EXPECT_DOUBLE_EQ(f1.compute(), 2.0 / 3.0);  // P = 2/3, R = 2/3
  Precision neg(Average::Binary, {.pos_label = 0});
  neg.update(p, truth);
  EXPECT_DOUBLE_EQ(neg.compute(), 0.5);
  Recall high(Average::Binary, {.threshold = 0.85});
  high.update(p, truth);
  EXPECT_DOUBLE_EQ(high.compute(), 1.0 / 3.0);
}

TEST(PrecisionRecallF, PerClassValuesComeAsATensor) {
  Recall per_class(Average::None);
  per_class.update(labels({0, 0, 1, 2}), labels({0, 1, 1, 1}));
  EXPECT_FALSE(per_class.is_scalar());
  const auto r = per_class.compute_tensor().to_vector<double>();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0], 1.0);
  EXPECT_DOUBLE_EQ(r[1], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r[2], 0.0);  // no true samples: zero_division = 0
  EXPECT_NE(
      error_of([&] { per_class.compute(); }).find("recall_per_class: the value is one number per class"),
      std::string::npos);
}

TEST(PrecisionRecallF, BinaryOnMultiClassDataNamesTheMetric) {
  F1 f1(Average::Binary);
  f1.update(labels({0, 1, 2}), labels({0, 1, 2}));
  const std::string msg = error_of([&] { f1.compute(); });
  EXPECT_NE(msg.find("f1_binary: binary average: 3 classes are present"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { FBeta(Average::Macro, {.beta = -1}); }).find("beta must be non-negative"),
            std::string::npos);
}

TEST(MatthewsAndKappa, ComputeFromAccumulatedCounts) {
  MatthewsCorrCoef mcc;
  CohenKappa kappa, quadratic(KappaWeights::Quadratic);
  for (Metric* m : std::initializer_list<Metric*>{&mcc, &kappa, &quadratic}) {
    m->update(labels({0, 1, 1}), labels({0, 1, 0}));
    m->update(labels({1}), labels({1}));
  }
  // [[1, 1], [0, 2]]: MCC = (3*4 - (2*1 + 2*3)) / sqrt((16 - 10) * (16 - 8)).
  EXPECT_NEAR(mcc.compute(), 4.0 / std::sqrt(48.0), 1e-15);
  EXPECT_NEAR(kappa.compute(), 0.5, 1e-15);  // p_o = 0.75, p_e = 0.5
  EXPECT_EQ(kappa.name(), "cohen_kappa");
  EXPECT_EQ(quadratic.name(), "cohen_kappa_quadratic");
  EXPECT_EQ(CohenKappa(KappaWeights::Linear).name(), "cohen_kappa_linear");
  EXPECT_EQ(mcc.confusion().count(), 4);
}

}  // namespace
}  // namespace strata::metrics
