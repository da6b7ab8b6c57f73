// The confusion matrix metric and the scores computed from a confusion matrix.
#include "strata/metrics/confusion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

Tensor matrix(const std::vector<int64_t>& v, int64_t c) { return from_vector(v, {c, c}); }

TEST(ConfusionMatrix, CountsTrueRowsAndPredictedColumns) {
  ConfusionMatrix cm;
  cm.update(labels({0, 2, 2, 1}), labels({0, 1, 2, 1}));  // (output, target)
  EXPECT_TRUE(equal(cm.matrix(), matrix({1, 0, 0, 0, 1, 1, 0, 0, 1}, 3)));
  EXPECT_EQ(cm.count(), 4);
  EXPECT_FALSE(cm.is_scalar());
  EXPECT_EQ(cm.name(), "confusion_matrix");
}

TEST(ConfusionMatrix, GrowsWithLabelsAndKeepsCounts) {
  ConfusionMatrix cm;
  cm.update(labels({0, 1}), labels({0, 1}));
  cm.update(labels({3}), labels({0}));  // a class absent from the first batch
  EXPECT_EQ(cm.num_classes(), 4);
  EXPECT_TRUE(equal(cm.matrix(), matrix({1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 4)));
  cm.reset();
  EXPECT_EQ(cm.count(), 0);
  EXPECT_EQ(cm.matrix().sum().item(), 0);
}

TEST(ConfusionMatrix, ScoresFixTheNumberOfClasses) {
  ConfusionMatrix cm;
  cm.update(from_vector<float>({0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f}, {2, 3}), labels({1, 0}));
  EXPECT_EQ(cm.num_classes(), 3);
  std::string msg = error_of([&] { cm.update(zeros({1, 4}), labels({0})); });
  EXPECT_NE(msg.find("confusion_matrix: output of shape [1, 4] has 4 classes, earlier batches had 3"),
            std::string::npos)
      << msg;
  msg = error_of([&] { cm.update(zeros({1, 3}), labels({3})); });
  EXPECT_NE(msg.find("target 3 at row 0 is out of range for output of shape [1, 3]"), std::string::npos)
      << msg;
  ConfusionMatrix fixed({.num_classes = 2});
  msg = error_of([&] { fixed.update(labels({0, 5}), labels({0, 1})); });
  EXPECT_NE(msg.find("class 5 is out of range for num_classes = 2"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { cm.compute(); }).find("not a number; use matrix()"), std::string::npos);
  EXPECT_THROW(ConfusionMatrix({.num_classes = -1}), Error);
}

TEST(ConfusionScores, PerClassAndAveragedScores) {
  // True 0: 2 right, 1 as class 1; true 1: 1 right; true 2: 1 as class 0.
  const Tensor m = matrix({2, 1, 0, 0, 1, 0, 1, 0, 0}, 3);
  EXPECT_DOUBLE_EQ(accuracy(m), 0.6);
  const ClassScores s = class_scores(m);
  EXPECT_DOUBLE_EQ(s.precision[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.recall[0], 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.precision[1], 0.5);
  EXPECT_DOUBLE_EQ(s.recall[1], 1.0);
  EXPECT_DOUBLE_EQ(s.precision[2], 0.0);  // nothing predicted as 2: zero_division = 0
  EXPECT_DOUBLE_EQ(s.fbeta[2], 0.0);
  EXPECT_EQ(s.support, (std::vector<int64_t>{3, 1, 1}));
  const PrecisionRecallF macro = precision_recall_fscore(m, Average::Macro);
  EXPECT_DOUBLE_EQ(macro.precision, (2.0 / 3.0 + 0.5) / 3.0);
  const PrecisionRecallF micro = precision_recall_fscore(m, Average::Micro);
  EXPECT_DOUBLE_EQ(micro.fbeta, 0.6);
  const PrecisionRecallF weighted = precision_recall_fscore(m, Average::Weighted);
  EXPECT_DOUBLE_EQ(weighted.recall, (3 * 2.0 / 3.0 + 1.0) / 5.0);
  // F2 weighs recall more: class 1 has P 0.5, R 1.
  EXPECT_DOUBLE_EQ(class_scores(m, 2.0).fbeta[1], 5 * 0.5 * 1.0 / (4 * 0.5 + 1.0));
}

TEST(ConfusionScores, AbsentClassesAreLeftOutOfAverages) {
  // Class 1 occurs nowhere: macro averages classes 0 and 2 only, as scikit-learn's inferred labels.
  const Tensor m = matrix({1, 0, 1, 0, 0, 0, 0, 0, 2}, 3);
  const ClassScores s = class_scores(m);
  EXPECT_FALSE(s.present[1]);
  EXPECT_DOUBLE_EQ(precision_recall_fscore(m, Average::Macro).recall, (0.5 + 1.0) / 2.0);
}

TEST(ConfusionScores, BinaryAverageUsesThePositiveLabel) {
  const Tensor m = matrix({3, 1, 2, 4}, 2);
  const PrecisionRecallF pos = precision_recall_fscore(m, Average::Binary);
  EXPECT_DOUBLE_EQ(pos.precision, 0.8);
  EXPECT_DOUBLE_EQ(pos.recall, 4.0 / 6.0);
  const PrecisionRecallF neg = precision_recall_fscore(m, Average::Binary, 1.0, 0);
  EXPECT_DOUBLE_EQ(neg.precision, 0.6);
  // Only class 0 present: the positive class scores 0.
  EXPECT_DOUBLE_EQ(precision_recall_fscore(matrix({5, 0, 0, 0}, 2), Average::Binary).fbeta, 0.0);
  std::string msg = error_of([&] {
    precision_recall_fscore(matrix({1, 0, 0, 0, 1, 0, 0, 0, 1}, 3), Average::Binary);
  });
  EXPECT_NE(msg.find("3 classes are present (0, 1, 2)"), std::string::npos) << msg;
  msg = error_of([&] { precision_recall_fscore(matrix({1, 0, 0, 0, 0, 0, 0, 0, 1}, 3), Average::Binary); });
  EXPECT_NE(msg.find("pos_label 1 is not among the present classes (0, 2)"), std::string::npos) << msg;
  EXPECT_THROW(precision_recall_fscore(m, Average::None), Error);
}

TEST(ConfusionScores, MatthewsAndKappaEdgeCases) {
  const Tensor perfect = matrix({3, 0, 0, 2}, 2);
  EXPECT_DOUBLE_EQ(matthews_corrcoef(perfect), 1.0);
  EXPECT_DOUBLE_EQ(cohen_kappa(perfect), 1.0);
  const Tensor inverted = matrix({0, 3, 3, 0}, 2);
  EXPECT_DOUBLE_EQ(matthews_corrcoef(inverted), -1.0);
  // One class everywhere: MCC 0, kappa NaN (chance agreement is 1), as scikit-learn.
  const Tensor single = matrix({4, 0, 0, 0}, 2);
  EXPECT_DOUBLE_EQ(matthews_corrcoef(single), 0.0);
  EXPECT_TRUE(std::isnan(cohen_kappa(single)));
  // Linear and quadratic weights penalise distant mistakes more.
  const Tensor m = matrix({2, 0, 1, 0, 2, 0, 0, 0, 2}, 3);
  EXPECT_LT(cohen_kappa(m, KappaWeights::Quadratic), cohen_kappa(m, KappaWeights::Linear));
}

TEST(ConfusionScores, BadMatricesAreRefused) {
  std::string msg = error_of([] { accuracy(zeros({2, 3})); });
  EXPECT_NE(msg.find("accuracy: a confusion matrix must be square [C, C], got shape [2, 3]"),
            std::string::npos)
      << msg;
  msg = error_of([] { matthews_corrcoef(zeros({2, 2})); });
  EXPECT_NE(msg.find("holds no samples"), std::string::npos) << msg;
  msg = error_of([] { cohen_kappa(from_vector<double>({1, -1, 0, 1}, {2, 2})); });
  EXPECT_NE(msg.find("entry [0, 1] is -1"), std::string::npos) << msg;
  EXPECT_THROW(class_scores(matrix({1, 0, 0, 1}, 2), -1.0), Error);
}

}  // namespace
}  // namespace strata::metrics
