#include "strata/data/table/isolation_forest.h"

#include <cmath>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

// n points of a standard normal in 2-D (seeded) with `planted` far points first.
Tensor cloud(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 2}, {.dtype = kFloat64}, &g);
  x.set_at({0, 0}, 9.0);
  x.set_at({0, 1}, 9.0);
  x.set_at({1, 0}, -8.0);
  return x;
}

TEST(IsolationForestTest, AveragePathLengthMatchesThePaper) {
  EXPECT_EQ(IsolationForest::average_path_length(0), 0.0);
  EXPECT_EQ(IsolationForest::average_path_length(1), 0.0);
  EXPECT_EQ(IsolationForest::average_path_length(2), 1.0);
  // c(n) = 2 H(n - 1) - 2 (n - 1) / n with H(i) = ln(i) + 0.5772156649.
  EXPECT_NEAR(IsolationForest::average_path_length(3), 2 * (std::log(2.0) + 0.5772156649) - 4.0 / 3.0, 1e-9);
  EXPECT_NEAR(IsolationForest::average_path_length(256), 10.244770920116851, 1e-9);
}

TEST(IsolationForestTest, PlantedPointsScoreHighest) {
  Tensor x = cloud(300, 1);
  IsolationForest forest({.n_estimators = 200, .max_samples = 128, .seed = 5});
  forest.fit(x);
  EXPECT_EQ(forest.sample_size(), 128);
  const std::vector<double> s = forest.score(x).to_vector<double>();
  ASSERT_EQ(s.size(), 300u);
  for (double v : s) {
    EXPECT_GT(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
  EXPECT_GT(s[0], 0.7);
  EXPECT_GT(s[1], 0.65);
  double typical = 0;
  for (size_t i = 2; i < s.size(); ++i) typical += s[i];
  typical /= static_cast<double>(s.size() - 2);
  EXPECT_LT(typical, 0.5);
  // Path lengths and scores agree: s = 2^(-E[h] / c(psi)).
  const std::vector<double> h = forest.path_length(x).to_vector<double>();
  EXPECT_NEAR(s[7], std::exp2(-h[7] / IsolationForest::average_path_length(128)), 1e-12);
}

TEST(IsolationForestTest, SeededAndDependsOnTheSeed) {
  Tensor x = cloud(100, 2);
  IsolationForest a({.n_estimators = 20, .seed = 1}), b({.n_estimators = 20, .seed = 1}),
      c({.n_estimators = 20, .seed = 2});
  a.fit(x);
  b.fit(x);
  c.fit(x);
  EXPECT_TRUE(equal(a.score(x), b.score(x)));
  EXPECT_FALSE(equal(a.score(x), c.score(x)));
  EXPECT_EQ(a.sample_size(), 100);  // psi is capped at the number of rows
  // Works from f32 input too.
  EXPECT_EQ(a.score(x.to(kFloat32)).numel(), 100);
}

TEST(IsolationForestTest, ConstantDataGivesLeavesAtTheRoot) {
  IsolationForest f({.n_estimators = 3});
  f.fit(zeros({10, 3}, {.dtype = kFloat64}));
  // Every tree is one external node with 10 points: h = c(10), so s = 2^(-c(10) / c(10)) = 0.5.
  for (double v : f.score(zeros({2, 3})).to_vector<double>()) EXPECT_NEAR(v, 0.5, 1e-12);
}

TEST(IsolationForestTest, Errors) {
  IsolationForest f;
  EXPECT_ERROR_CONTAINS(f.score(zeros({2, 2})), "IsolationForest::score: call fit() first");
  EXPECT_ERROR_CONTAINS(f.fit(zeros({4})), "IsolationForest::fit", "2-D", "[4]");
  Tensor bad = zeros({3, 2}, {.dtype = kFloat64});
  bad.set_at({1, 1}, NAN);
  EXPECT_ERROR_CONTAINS(f.fit(bad), "NaN");
  f.fit(ones({5, 2}));
  EXPECT_ERROR_CONTAINS(f.score(ones({5, 3})), "fitted on 2 features", "[5, 3]");
  EXPECT_ERROR_CONTAINS(IsolationForest({.n_estimators = 0}), "n_estimators must be at least 1");
  EXPECT_ERROR_CONTAINS(IsolationForest({.max_samples = 1}), "max_samples must be at least 2");
}

}  // namespace
}  // namespace strata::data::table
