#include "strata/fed/gaussian_noise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fed/gaussian_noise_kernel.h"
#include "strata/core/threading.h"
#include "test_util.h"

namespace strata::fed {
namespace {

TEST(GaussianNoise, IsStandardNormal) {
  Generator g(3);
  const std::vector<float> v = gaussian_noise({200001}, 2.0, g).to_vector<float>();
  double m1 = 0, m2 = 0, m4 = 0;
  for (float x : v) m1 += x;
  m1 /= static_cast<double>(v.size());
  for (float x : v) {
    m2 += (x - m1) * (x - m1);
    m4 += std::pow(x - m1, 4);
  }
  m2 /= static_cast<double>(v.size());
  m4 /= static_cast<double>(v.size());
  EXPECT_NEAR(m1, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(m2), 2.0, 0.01);
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 0.05);  // kurtosis of a normal
  // The distribution function at a few points, against erf.
  for (double t : {-3.0, -1.5, -0.5, 0.0, 0.7, 2.0}) {
    double below = 0;
    for (float x : v) below += x / 2.0 < t;
    EXPECT_NEAR(below / static_cast<double>(v.size()), 0.5 * (1 + std::erf(t / std::sqrt(2.0))), 0.004) << t;
  }
}

TEST(GaussianNoise, IsSeededAndAddsInPlace) {
  Generator a(5), b(5), c(6);
  const Tensor x = gaussian_noise({7, 3}, 1.0, a);
  EXPECT_EQ(x.to_vector<float>(), gaussian_noise({7, 3}, 1.0, b).to_vector<float>());
  EXPECT_NE(x.to_vector<float>(), gaussian_noise({7, 3}, 1.0, c).to_vector<float>());
  Generator d(5);
  Tensor y = ones({7, 3});
  add_gaussian_noise(y, 1.0, d);
  EXPECT_LT(ops::abs(ops::sub(ops::sub(y, 1.0), x)).max().item(), 1e-6);
  Tensor z = zeros({3}, {.dtype = kFloat64});
  EXPECT_ERROR_CONTAINS(add_gaussian_noise(z, 1.0, d), "f32");
  EXPECT_ERROR_CONTAINS(gaussian_noise({3}, -1.0, d), "std");
}

// Sizes around the 8,192-pair chunks, odd and even: every element gets noise, none twice.
TEST(GaussianNoise, CoversOddSizesAndChunkEdges) {
  for (int64_t n : {1, 2, 3, 31, 32, 33, 16383, 16384, 16385, 16386, 40001}) {
    std::vector<float> v(static_cast<size_t>(n), 0.0f);
    add_normal_noise(v.data(), n, 42, 1.0f, false);
    double m2 = 0;
    for (float x : v) {
      EXPECT_NE(x, 0.0f) << n;
      m2 += static_cast<double>(x) * x;
    }
    if (n > 10000) {
      EXPECT_NEAR(m2 / static_cast<double>(n), 1.0, 0.05) << n;
    }
    // Adding twice with the same key doubles every value exactly: nothing is drawn from outside the stream.
    std::vector<float> w = v;
    add_normal_noise(w.data(), n, 42, 1.0f, false);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(w[i], 2.0f * v[i]) << n << " " << i;
  }
}

// The chunks are seeded on their own, so the values do not depend on the thread count, and the AVX-512
// build draws what the AVX2 build draws.
TEST(GaussianNoise, SameValuesAtAnyThreadCountAndInstructionSet) {
  const int64_t n = 100001;
  const int threads = get_num_threads();
  std::vector<float> one(static_cast<size_t>(n), 0.0f), two(static_cast<size_t>(n), 0.0f);
  set_num_threads(1);
  add_normal_noise(one.data(), n, 7, 1.0f, false);
  set_num_threads(2);
  add_normal_noise(two.data(), n, 7, 1.0f, false);
  set_num_threads(threads);
  EXPECT_EQ(one, two);
  if (has_avx512()) {
    std::vector<float> wide(static_cast<size_t>(n), 0.0f);
    add_normal_noise(wide.data(), n, 7, 1.0f, true);
    EXPECT_EQ(wide, one);
  }
}

}  // namespace
}  // namespace strata::fed
