// ROC and precision-recall curves against scikit-learn, including tied scores.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "strata/io/safetensors.h"
#include "strata/metrics/ranking.h"

namespace strata::metrics {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto tensors =
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/metrics_curves.safetensors");
  return tensors;
}

std::vector<std::string> case_names() {
  std::set<std::string> names;
  for (const auto& [key, t] : fixture()) names.insert(key.substr(0, key.find('.')));
  return {names.begin(), names.end()};
}

std::vector<double> stored(const std::string& key) { return fixture().at(key).to_vector<double>(); }

void expect_near(const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << what << " at " << i;
}

class CurvesGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(CurvesGolden, MatchScikitLearn) {
  const std::string c = GetParam();
  const Tensor& scores = fixture().at(c + ".scores");
  const Tensor& target = fixture().at(c + ".target");
  const RocCurve roc = roc_curve(scores, target);
  expect_near(roc.fpr, stored(c + ".fpr"), c + " fpr");
  expect_near(roc.tpr, stored(c + ".tpr"), c + " tpr");
  EXPECT_TRUE(std::isinf(roc.thresholds.front()));
  expect_near({roc.thresholds.begin() + 1, roc.thresholds.end()}, stored(c + ".thresholds"),
              c + " thresholds");
  EXPECT_NEAR(roc.auc, fixture().at(c + ".auc").item(), 1e-12);

  const PrecisionRecallCurve pr = precision_recall_curve(scores, target);
  expect_near(pr.precision, stored(c + ".precision"), c + " precision");
  expect_near(pr.recall, stored(c + ".recall"), c + " recall");
  expect_near(pr.thresholds, stored(c + ".pr_thresholds"), c + " pr thresholds");
  EXPECT_NEAR(pr.average_precision, fixture().at(c + ".average_precision").item(), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CurvesGolden, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace strata::metrics
