// Spearman's rank correlation: average ranks for ties, values computed by hand.
#include "strata/explain/rank_correlation.h"

#include <gtest/gtest.h>

#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(RankCorrelation, RanksAverageTies) {
  EXPECT_EQ(explain::ranks({3, 1, 4, 1, 5}), (std::vector<double>{3, 1.5, 4, 1.5, 5}));
}

TEST(RankCorrelation, Spearman) {
  // Ranks of b: 1, 2, 3.5, 5, 3.5; rho = 8 / sqrt(10 * 9.5) (scipy.stats.spearmanr agrees).
  EXPECT_NEAR(explain::spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-15);
  EXPECT_NEAR(explain::spearman({1, 2, 3}, {10, 20, 1000}), 1.0, 1e-15);  // monotone, not linear
  EXPECT_NEAR(explain::spearman({1, 2, 3}, {3, 2, 1}), -1.0, 1e-15);
  EXPECT_EQ(explain::spearman({1, 1, 1}, {1, 2, 3}), 0.0);
}

TEST(RankCorrelation, PerExample) {
  const Tensor a = from_vector<double>({1, 2, 3, 4, 1, 2, 3, 4}, {2, 2, 2});
  const Tensor b = from_vector<double>({1, 2, 3, 4, 4, 3, 2, 1}, {2, 2, 2});
  const std::vector<double> r = explain::spearman_per_example(a, b);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 1.0, 1e-15);
  EXPECT_NEAR(r[1], -1.0, 1e-15);
  EXPECT_NE(testing::error_of([&] {
              explain::spearman_per_example(a, zeros({2, 4}));
            }).find("spearman: the maps must have one shape"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              explain::spearman({1, 2}, {1});
            }).find("one length, got 2 and 1"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
