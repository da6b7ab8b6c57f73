// How metrics read their inputs: scores vs logits vs labels, shapes, dtypes, layouts, and the errors.
#include "strata/metrics/metric.h"

#include <gtest/gtest.h>

#include "metrics/metrics_test_util.h"
#include "strata/metrics.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(MetricInput, AverageNamesFollowScikitLearn) {
  EXPECT_EQ(average_name(Average::Binary), "binary");
  EXPECT_EQ(average_name(Average::Micro), "micro");
  EXPECT_EQ(average_name(Average::Macro), "macro");
  EXPECT_EQ(average_name(Average::Weighted), "weighted");
  EXPECT_EQ(average_name(Average::None), "none");
}

TEST(MetricInput, ScoresLogitsAndLabelsGiveTheSamePredictions) {
  const Tensor target = labels({0, 1, 2, 1});
  const Tensor logits =
      from_vector<float>({3, 1, 0, 0, 2, 1, 0, 0, 5, 4, 1, 0}, {4, 3});  // argmax 0, 1, 2, 0
  const Tensor probs = logits.softmax(1);
  const Tensor predicted = labels({0, 1, 2, 0});
  for (const Tensor& output : {logits, probs, predicted}) {
    Accuracy acc;
    acc.update(output, target);
    EXPECT_DOUBLE_EQ(acc.compute(), 0.75);
    EXPECT_EQ(acc.count(), 4);
  }
}

TEST(MetricInput, BinaryScoresAreThresholdedAsProbabilitiesOrLogits) {
  const Tensor target = labels({1, 0, 1, 0});
  // All in [0, 1]: probabilities, positive above 0.5 (0.5 itself is negative).
  Accuracy probs;
  probs.update(from_vector<double>({0.9, 0.5, 0.6, 0.2}), target);
  EXPECT_DOUBLE_EQ(probs.compute(), 1.0);
  // Outside [0, 1]: logits, positive above logit(0.5) = 0.
  Accuracy logits;
  logits.update(from_vector<double>({2.0, -1.0, 0.3, 0.0}), target);
  EXPECT_DOUBLE_EQ(logits.compute(), 1.0);
  // A custom threshold and forced interpretation.
  Accuracy strict({.scores = Scores::Probabilities, .threshold = 0.7});
  strict.update(from_vector<double>({0.9, 0.5, 0.6, 0.2}), target);
  EXPECT_DOUBLE_EQ(strict.compute(), 0.75);
  Accuracy as_logits({.scores = Scores::Logits, .threshold = 0.7});  // sigmoid(0.9) = 0.71 > 0.7
  as_logits.update(from_vector<double>({0.9, 0.5, 0.6, 0.2}), target);
  EXPECT_DOUBLE_EQ(as_logits.compute(), 0.75);
}

TEST(MetricInput, ColumnOutputsAndFloatTargetsAreAccepted) {
  // [N, 1] sigmoid outputs with [N, 1] float targets, as BCE training produces.
  Accuracy acc;
  acc.update(from_vector<float>({0.8f, 0.1f, 0.4f}, {3, 1}), from_vector<float>({1, 0, 1}, {3, 1}));
  EXPECT_NEAR(acc.compute(), 2.0 / 3.0, 1e-15);
}

TEST(MetricInput, NonContiguousOutputsAreRead) {
  const Tensor base = from_vector<double>({0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, {2, 3});  // columns are the rows
  const Tensor output = base.t();                                                   // [3, 2], transposed
  Accuracy acc;
  acc.update(output, labels({0, 1, 1}));  // argmax rows: (0.1, 0.2) -> 1, (0.9, 0.3) -> 0, (0.8, 0.7) -> 0
  EXPECT_NEAR(acc.compute(), 0.0, 0);
}

TEST(MetricInput, GradientRecordingOutputsAreReadWithoutAGraph) {
  Tensor logits = from_vector<float>({1, 2, 3, 0}, {2, 2}).requires_grad_();
  Tensor output = logits * 2.0;
  LogLoss loss;
  loss.update(output, labels({1, 0}));
  EXPECT_GT(loss.compute(), 0);
}

TEST(MetricInput, ComputeBeforeUpdateThrows) {
  Accuracy acc;
  EXPECT_NE(error_of([&] { acc.compute(); }).find("accuracy: no samples"), std::string::npos);
  acc.update(labels({1}), labels({1}));
  acc.reset();
  EXPECT_EQ(acc.count(), 0);
  EXPECT_THROW(acc.compute(), Error);
}

TEST(MetricInput, BadInputsNameTheMetricAndShapes) {
  Accuracy acc;
  std::string msg = error_of([&] { acc.update(zeros({2, 3, 4}), labels({0, 1})); });
  EXPECT_NE(msg.find("accuracy: output of shape [2, 3, 4]"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(zeros({4, 3}), labels({0, 1})); });
  EXPECT_NE(msg.find("target of shape [2] does not match output of shape [4, 3]"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(zeros({2, 3}), labels({0, -1})); });
  EXPECT_NE(msg.find("target -1 at row 1 is negative"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(zeros({2, 3}), from_vector<float>({0.f, 0.5f})); });
  EXPECT_NE(msg.find("target 0.5 at row 1 is not a class index"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(zeros({2, 3}, {.dtype = kInt64}), labels({0, 1})); });
  EXPECT_NE(msg.find("[N, C] output must hold float scores, got i64"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(labels({0, -2}), labels({0, 1})); });
  EXPECT_NE(msg.find("predicted label -2 at row 1 is negative"), std::string::npos) << msg;
  msg = error_of([&] { acc.update(Tensor(), labels({0, 1})); });
  EXPECT_NE(msg.find("accuracy: the output tensor is undefined"), std::string::npos) << msg;
  RocAuc auc;
  msg = error_of([&] { auc.update(labels({0, 1}), labels({0, 1})); });
  EXPECT_NE(msg.find("roc_auc: output of shape [2] must hold float scores (got i64)"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace strata::metrics
