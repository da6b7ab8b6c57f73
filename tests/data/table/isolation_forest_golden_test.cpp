// Isolation Forest scores against scikit-learn's IsolationForest (-score_samples, 500 trees, psi 128) on
// tests/fixtures/table/iforest.csv. The random trees differ, so scores agree within Monte-Carlo noise.
#include <algorithm>
#include <numeric>

#include "data/table/table_test_util.h"
#include "strata/data/table/convert.h"
#include "strata/data/table/csv.h"
#include "strata/data/table/isolation_forest.h"

namespace strata::data::table {
namespace {

TEST(IsolationForestGoldenTest, ScoresAgreeWithSklearn) {
  Table t = read_csv(testing::fixture("iforest.csv"));
  Tensor x = features_tensor(t, {}, kFloat64);
  IsolationForest forest({.n_estimators = 500, .max_samples = 128, .seed = 0});
  forest.fit(x);
  const std::vector<double> s = forest.score(x).to_vector<double>();
  const std::vector<double> want = testing::golden()["iforest"]["scores"].get<std::vector<double>>();
  ASSERT_EQ(s.size(), want.size());
  double mean_abs = 0, max_abs = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    mean_abs += std::abs(s[i] - want[i]);
    max_abs = std::max(max_abs, std::abs(s[i] - want[i]));
  }
  mean_abs /= static_cast<double>(s.size());
  EXPECT_LT(mean_abs, 0.02);
  EXPECT_LT(max_abs, 0.08);
  // The five planted anomalies are the five highest scores in both.
  auto top5 = [](const std::vector<double>& v) {
    std::vector<size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), size_t{0});
    std::partial_sort(idx.begin(), idx.begin() + 5, idx.end(),
                      [&](size_t a, size_t b) { return v[a] > v[b]; });
    std::vector<size_t> top(idx.begin(), idx.begin() + 5);
    std::sort(top.begin(), top.end());
    return top;
  };
  EXPECT_EQ(top5(s), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(top5(want), (std::vector<size_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace strata::data::table
