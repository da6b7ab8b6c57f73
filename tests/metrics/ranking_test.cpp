// ROC-AUC and average precision: binary and one-vs-rest, ties, absent classes, curves, errors.
#include "strata/metrics/ranking.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(RocAuc, PerfectInvertedAndTiedRankings) {
  const Tensor truth = labels({0, 0, 1, 1});
  RocAuc perfect, inverted, tied;
  perfect.update(from_vector<double>({0.1, 0.2, 0.8, 0.9}), truth);
  inverted.update(from_vector<double>({0.9, 0.8, 0.2, 0.1}), truth);
  tied.update(from_vector<double>({0.5, 0.5, 0.5, 0.5}), truth);
  EXPECT_DOUBLE_EQ(perfect.compute(), 1.0);
  EXPECT_DOUBLE_EQ(inverted.compute(), 0.0);
  EXPECT_DOUBLE_EQ(tied.compute(), 0.5);  // a tie counts half
}

TEST(RocAuc, LogitsRankLikeTheirProbabilities) {
  const Tensor logits = from_vector<double>({2, 0.5, -1, 0.1, 1.5, 0.3, -0.2, 0.4, 2.2, 1, 1, 0}, {4, 3});
  const Tensor truth = labels({0, 1, 2, 1});
  RocAuc from_logits, from_probs;
  from_logits.update(logits, truth);
  from_probs.update(logits.softmax(1), truth);
  EXPECT_NEAR(from_logits.compute(), from_probs.compute(), 1e-15);
  EXPECT_EQ(from_logits.curves().size(), 3u);
}

TEST(RocAuc, UndefinedClassesAreSkippedAndOneClassIsNaN) {
  // Class 2 never occurs: the macro average covers classes 0 and 1 (both perfectly ranked).
  const Tensor probs = from_vector<double>({0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.7, 0.2, 0.1}, {3, 3});
  RocAuc auc;
  auc.update(probs, labels({0, 1, 0}));
  EXPECT_DOUBLE_EQ(auc.compute(), 1.0);
  EXPECT_TRUE(std::isnan(auc.curves()[2].auc));
  RocAuc single;
  single.update(from_vector<double>({0.3, 0.6}), labels({1, 1}));
  EXPECT_TRUE(std::isnan(single.compute()));
}

TEST(RocAuc, WeightedAveragesBySupport) {
  // Class 0 ranked perfectly (3 rows), class 1 inverted (1 row), class 2 absent.
  const Tensor probs =
      from_vector<double>({0.9, 0.05, 0.05, 0.8, 0.1, 0.1, 0.7, 0.0, 0.3, 0.1, 0.0, 0.9}, {4, 3});
  const Tensor truth = labels({0, 0, 0, 1});
  RocAuc weighted(Average::Weighted);
  weighted.update(probs, truth);
  const auto curves = weighted.curves();
  const double want = (3 * curves[0].auc + 1 * curves[1].auc) / 4;
  EXPECT_NEAR(weighted.compute(), want, 1e-15);
  EXPECT_EQ(weighted.name(), "roc_auc_weighted");
  EXPECT_THROW(RocAuc(Average::Micro), Error);
}

TEST(AveragePrecision, BinaryMicroAndAbsentClasses) {
  AveragePrecision ap;
  ap.update(from_vector<double>({0.9, 0.8, 0.7, 0.1}), labels({1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(ap.compute(), 0.5 * 1.0 + 0.5 * (2.0 / 3.0));
  // Class 2 has no positives: it scores 0 in the macro average (scikit-learn's binarised targets).
  const Tensor probs = from_vector<double>({0.8, 0.1, 0.1, 0.1, 0.8, 0.1}, {2, 3});
  AveragePrecision macro, micro(Average::Micro);
  macro.update(probs, labels({0, 1}));
  micro.update(probs, labels({0, 1}));
  EXPECT_NEAR(macro.compute(), 2.0 / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(micro.compute(), 1.0);
  EXPECT_EQ(micro.name(), "average_precision_micro");
  EXPECT_EQ(macro.curves().size(), 3u);
  EXPECT_THROW(AveragePrecision(Average::Binary), Error);
}

TEST(RankingCurves, TiedScoresShareOnePoint) {
  const RocCurve roc = roc_curve(from_vector<double>({0.4, 0.4, 0.9, 0.1}), labels({0, 1, 1, 0}));
  EXPECT_EQ(roc.fpr, (std::vector<double>{0, 0, 0.5, 1}));
  EXPECT_EQ(roc.tpr, (std::vector<double>{0, 0.5, 1, 1}));
  EXPECT_DOUBLE_EQ(roc.auc, 0.875);
  const PrecisionRecallCurve pr =
      precision_recall_curve(from_vector<double>({0.4, 0.4, 0.9, 0.1}), labels({0, 1, 1, 0}));
  EXPECT_EQ(pr.thresholds, (std::vector<double>{0.9, 0.4, 0.1}));
  EXPECT_EQ(pr.recall, (std::vector<double>{0.5, 1, 1}));
  // pos_label picks the positive class.
  EXPECT_DOUBLE_EQ(roc_curve(from_vector<double>({0.4, 0.4, 0.9, 0.1}), labels({0, 1, 1, 0}), 0).auc, 0.125);
}

TEST(RankingMetric, StreamingResetAndErrors) {
  RocAuc auc;
  auc.update(from_vector<double>({0.1, 0.9}), labels({0, 1}));
  auc.update(from_vector<double>({0.8, 0.2}), labels({0, 1}));
  EXPECT_DOUBLE_EQ(auc.compute(), 0.75);  // positives 0.9 and 0.2 against negatives 0.1 and 0.8: 3 of 4 pairs
  EXPECT_EQ(auc.count(), 4);
  std::string msg = error_of([&] { auc.update(zeros({2, 3}), labels({0, 1})); });
  EXPECT_NE(msg.find("roc_auc: output of shape [2, 3] has 3 score columns, earlier batches had 1"),
            std::string::npos)
      << msg;
  auc.reset();
  EXPECT_THROW(auc.compute(), Error);
  msg = error_of([&] { auc.update(zeros({2, 3}), labels({0, 3})); });
  EXPECT_NE(msg.find("target 3 at row 1 is out of range for output of shape [2, 3]"), std::string::npos)
      << msg;
  msg = error_of([] { roc_curve(zeros({2, 2}), labels({0, 1})); });
  EXPECT_NE(msg.find("roc_curve: scores of shape [2, 2] must be [N] binary scores"), std::string::npos)
      << msg;
  RocAuc fixed(Average::Macro, {.num_classes = 4});
  msg = error_of([&] { fixed.update(zeros({1, 3}), labels({0})); });
  EXPECT_NE(msg.find("has 3 classes but num_classes = 4"), std::string::npos) << msg;
}

}  // namespace
}  // namespace strata::metrics
