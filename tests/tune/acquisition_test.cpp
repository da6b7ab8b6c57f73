// Acquisition functions: expected improvement against its closed form and a numerical integral, UCB.
#include "strata/tune/acquisition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace strata::tune {
namespace {

TEST(Normal, PdfAndCdf) {
  EXPECT_NEAR(normal_pdf(0.0), 1 / std::sqrt(2 * std::numbers::pi), 1e-15);
  EXPECT_NEAR(normal_cdf(0.0), 0.5, 1e-15);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
  EXPECT_NEAR(normal_cdf(-1.0) + normal_cdf(1.0), 1.0, 1e-15);
}

TEST(ExpectedImprovement, MatchesTheFormula) {
  // EI = (best - xi - mu) Phi(z) + sigma phi(z), z = (best - xi - mu) / sigma.
  const double mu = 0.3, sigma = 0.5, best = 0.6, xi = 0.05;
  const double gain = best - xi - mu, z = gain / sigma;
  const double expected = gain * 0.5 * std::erfc(-z / std::sqrt(2.0)) +
                          sigma * std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  EXPECT_NEAR(expected_improvement(mu, sigma, best, xi), expected, 1e-15);
}

TEST(ExpectedImprovement, MatchesTheIntegralOfTheImprovement) {
  // E[max(best - f, 0)] for f ~ N(mu, sigma^2) by the midpoint rule.
  for (const auto& [mu, sigma, best] :
       {std::tuple{0.0, 1.0, 0.0}, std::tuple{1.0, 0.3, 0.5}, std::tuple{-0.4, 2.0, 0.7}}) {
    double integral = 0;
    const int n = 200000;
    const double lo = mu - 12 * sigma, hi = best, h = (hi - lo) / n;
    for (int i = 0; i < n; ++i) {
      const double f = lo + (i + 0.5) * h;
      integral += (best - f) * normal_pdf((f - mu) / sigma) / sigma * h;
    }
    EXPECT_NEAR(expected_improvement(mu, sigma, best), integral, 1e-6) << mu << " " << sigma << " " << best;
  }
}

TEST(ExpectedImprovement, LimitsAndMonotonicity) {
  EXPECT_DOUBLE_EQ(expected_improvement(0.2, 0.0, 0.5), 0.3);  // no uncertainty: the plain improvement
  EXPECT_DOUBLE_EQ(expected_improvement(0.7, 0.0, 0.5), 0.0);
  EXPECT_NEAR(expected_improvement(0.0, 1.0, 0.0), 1 / std::sqrt(2 * std::numbers::pi),
              1e-15);  // sigma phi(0)
  // More uncertainty or a lower mean is worth more; a margin xi is worth less.
  EXPECT_GT(expected_improvement(0.5, 0.4, 0.5), expected_improvement(0.5, 0.2, 0.5));
  EXPECT_GT(expected_improvement(0.3, 0.2, 0.5), expected_improvement(0.4, 0.2, 0.5));
  EXPECT_LT(expected_improvement(0.3, 0.2, 0.5, 0.1), expected_improvement(0.3, 0.2, 0.5));
  EXPECT_GE(expected_improvement(50.0, 1.0, 0.0), 0.0);  // never negative, even far in the tail
}

TEST(UpperConfidenceBound, IsTheNegatedLowerBound) {
  EXPECT_DOUBLE_EQ(upper_confidence_bound(1.0, 0.5, 2.0), 0.0);
  EXPECT_DOUBLE_EQ(upper_confidence_bound(0.2, 0.1, 1.0), -0.1);
  EXPECT_GT(upper_confidence_bound(0.0, 1.0), upper_confidence_bound(0.0, 0.5));
}

}  // namespace
}  // namespace strata::tune
