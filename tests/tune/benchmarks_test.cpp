// Test functions: known minima at their known minimisers.
#include "strata/tune/benchmarks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "strata/core/error.h"

namespace strata::tune {
namespace {

TEST(Branin, MinimaAtTheThreeKnownPoints) {
  constexpr double pi = std::numbers::pi;
  EXPECT_NEAR(branin(-pi, 12.275), kBraninMinimum, 1e-6);
  EXPECT_NEAR(branin(pi, 2.275), kBraninMinimum, 1e-6);
  EXPECT_NEAR(branin(9.42478, 2.475), kBraninMinimum, 1e-6);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_GE(branin(-5 + 15 * u(rng), 15 * u(rng)), kBraninMinimum - 1e-9);
  const SearchSpace s = branin_space();
  EXPECT_EQ(s.param("x1").low, -5);
  EXPECT_EQ(s.param("x2").high, 15);
}

TEST(Hartmann6, MinimumAtTheKnownPoint) {
  EXPECT_NEAR(hartmann6({0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573}), kHartmann6Minimum, 1e-5);
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 1000; ++i) {
    std::vector<double> x(6);
    for (double& v : x) v = u(rng);
    EXPECT_GE(hartmann6(x), kHartmann6Minimum);
  }
  EXPECT_EQ(hartmann6_space().size(), 6u);
  EXPECT_THROW(hartmann6({0.5, 0.5}), Error);
}

TEST(AsVector, FollowsTheSpaceOrder) {
  const SearchSpace s = branin_space();
  EXPECT_EQ(as_vector(s, {{"x2", 3.0}, {"x1", 1.0}}), (std::vector<double>{1.0, 3.0}));
  EXPECT_THROW(as_vector(s, {{"x1", 1.0}}), Error);
}

}  // namespace
}  // namespace strata::tune
