// metrics::frechet_distance: identical sets, known closed forms, singular covariances, symmetry, bad input.
#include "strata/metrics/frechet.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::metrics {
namespace {

Tensor features(int64_t n, int64_t d, uint64_t seed) {
  Generator gen(seed);
  return randn({n, d}, {.dtype = kFloat64}, &gen);
}

TEST(FrechetDistance, IdenticalSetsAreAtZero) {
  const Tensor a = features(500, 20, 1);
  EXPECT_NEAR(frechet_distance(a, a), 0.0, 1e-9);
  EXPECT_NEAR(frechet_distance(a.to(kFloat32), a.to(kFloat32)), 0.0, 1e-9);
}

TEST(FrechetDistance, ShiftedSetMeasuresTheMeanOnly) {
  // Same covariance: d² = |shift|².
  const Tensor a = features(200, 6, 2);
  EXPECT_NEAR(frechet_distance(a, a + 0.5), 6 * 0.25, 1e-9);
}

TEST(FrechetDistance, ScaledSetMatchesTheClosedForm) {
  // b = 2a: S_b = 4 S_a, so tr(S_a) + tr(S_b) - 2 tr(2 S_a) = tr(S_a), and the means scale too.
  const Tensor a = features(300, 5, 3);
  const GaussianStats s = gaussian_stats(a);
  double trace = 0, mean_sq = 0;
  for (int64_t i = 0; i < 5; ++i) {
    trace += s.cov[static_cast<size_t>(i * 5 + i)];
    mean_sq += s.mean[static_cast<size_t>(i)] * s.mean[static_cast<size_t>(i)];
  }
  EXPECT_NEAR(frechet_distance(a, a * 2.0), trace + mean_sq, 1e-9);
}

TEST(FrechetDistance, IsSymmetricAndFromStatsAlike) {
  const Tensor a = features(100, 8, 4), b = features(150, 8, 5) * 1.5 + 0.2;
  const double ab = frechet_distance(a, b), ba = frechet_distance(b, a);
  EXPECT_GT(ab, 0.1);
  EXPECT_NEAR(ab, ba, 1e-9 * ab);
  EXPECT_DOUBLE_EQ(ab, frechet_distance(gaussian_stats(a), gaussian_stats(b)));
}

TEST(FrechetDistance, SingularCovariancesGiveFiniteValues) {
  // Fewer vectors than features, and constant features: rank-deficient covariances.
  const Tensor a = features(4, 10, 6), b = features(5, 10, 7);
  const double d = frechet_distance(a, b);
  EXPECT_TRUE(std::isfinite(d));
  EXPECT_GE(d, 0.0);
  const Tensor zero = zeros({10, 3}, {.dtype = kFloat64});
  EXPECT_NEAR(frechet_distance(zero, zero), 0.0, 1e-12);
  EXPECT_NEAR(frechet_distance(zero, zero + 1.0), 3.0, 1e-12);
}

TEST(FrechetDistance, BadInputRaisesClearErrors) {
  EXPECT_ERROR_CONTAINS(frechet_distance(features(10, 4, 1), features(10, 5, 2)), "feature widths differ",
                        "[10, 4]", "[10, 5]");
  EXPECT_ERROR_CONTAINS(frechet_distance(features(1, 4, 1), features(10, 4, 2)), "at least 2");
  EXPECT_ERROR_CONTAINS(frechet_distance(zeros({10}), zeros({10})), "[N, D]");
  EXPECT_ERROR_CONTAINS(frechet_distance(zeros({4, 2}, {.dtype = kInt64}), zeros({4, 2}, {.dtype = kInt64})),
                        "floating");
  Tensor nan = features(10, 3, 1);
  nan.data_ptr<double>()[4] = std::nan("");
  EXPECT_ERROR_CONTAINS(frechet_distance(nan, features(10, 3, 2)), "NaN");
  const GaussianStats a = gaussian_stats(features(10, 3, 1)), b = gaussian_stats(features(10, 4, 1));
  EXPECT_ERROR_CONTAINS(frechet_distance(a, b), "feature widths differ (3 vs 4)");
}

}  // namespace
}  // namespace strata::metrics
