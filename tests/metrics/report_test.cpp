// classification_report: layout, names, digits and errors (the golden test compares with scikit-learn).
#include "strata/metrics/report.h"

#include <gtest/gtest.h>

#include "metrics/metrics_test_util.h"

namespace strata::metrics {
namespace {

using testing::error_of;
using testing::labels;

TEST(ClassificationReport, MatchesScikitLearnsLayout) {
  const std::string want =
      "              precision    recall  f1-score   support\n"
      "\n"
      "           0       0.50      1.00      0.67         1\n"
      "           1       0.00      0.00      0.00         1\n"
      "           2       1.00      0.67      0.80         3\n"
      "\n"
      "    accuracy                           0.60         5\n"
      "   macro avg       0.50      0.56      0.49         5\n"
      "weighted avg       0.70      0.60      0.61         5\n";
  EXPECT_EQ(classification_report(labels({0, 1, 2, 2, 2}), labels({0, 0, 2, 2, 1})), want);
  // The same from its confusion matrix.
  EXPECT_EQ(classification_report(from_vector<int64_t>({1, 0, 0, 1, 0, 0, 0, 1, 2}, {3, 3})), want);
}

TEST(ClassificationReport, NamesWidenTheFirstColumnAndScoresAreAccepted) {
  const Tensor scores = from_vector<float>({0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f}, {3, 2});
  const std::string report =
      classification_report(labels({0, 1, 0}), scores, {"negative", "a much longer name"}, 3);
  EXPECT_NE(report.find(
                "          negative      1.000     0.500     0.667         2\na much longer name      0.500"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("          accuracy                          0.667         3"), std::string::npos)
      << report;
}

TEST(ClassificationReport, AbsentClassesTurnAccuracyIntoMicroAverage) {
  const Tensor m = from_vector<int64_t>({2, 0, 0, 0}, {2, 2});
  const std::string report = classification_report(m, {"yes", "no"});
  EXPECT_NE(report.find("   micro avg       1.00      1.00      1.00         2"), std::string::npos)
      << report;
  EXPECT_NE(report.find("   macro avg       0.50      0.50      0.50         2"), std::string::npos)
      << report;
}

TEST(ClassificationReport, BadInputIsRefused) {
  std::string msg = error_of([] { classification_report(zeros({2, 3})); });
  EXPECT_NE(msg.find("classification_report: a confusion matrix must be square [C, C], got shape [2, 3]"),
            std::string::npos)
      << msg;
  msg = error_of([] { classification_report(from_vector<int64_t>({1, 0, 0, 1}, {2, 2}), {"a", "b", "c"}); });
  EXPECT_NE(msg.find("3 class names for a confusion matrix of shape [2, 2]"), std::string::npos) << msg;
  msg = error_of([] { classification_report(labels({0, 3}), labels({0, 1}), {"a", "b"}); });
  EXPECT_NE(msg.find("classification_report: class 3 is out of range for num_classes = 2"), std::string::npos)
      << msg;
  msg = error_of([] { classification_report(from_vector<int64_t>({1, 0, 0, 1}, {2, 2}), {}, -1); });
  EXPECT_NE(msg.find("digits must be in [0, 15], got -1"), std::string::npos) << msg;
}

}  // namespace
}  // namespace strata::metrics
