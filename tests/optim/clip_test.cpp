// Gradient clipping: global norms (2, 1, inf, other p), value clamping, strided and large gradients, errors.
#include "strata/optim/clip.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

Tensor with_grad(const std::vector<double>& g) {
  Tensor p = zeros({static_cast<int64_t>(g.size())}, {.dtype = kFloat64});
  p.requires_grad_();
  p.set_grad(from_vector<double>(g));
  return p;
}

std::vector<double> grad_of(const Tensor& p) { return p.grad().to_vector<double>(); }

TEST(ClipGradNorm, ScalesAllGradientsByOneFactor) {
  Tensor a = with_grad({3.0, 4.0}), b = with_grad({12.0});
  const double total = clip_grad_norm_({a, b}, 6.5);
  EXPECT_DOUBLE_EQ(total, 13.0);
  const double coef = 6.5 / (13.0 + 1e-6);
  EXPECT_DOUBLE_EQ(grad_of(a)[0], 3.0 * coef);
  EXPECT_DOUBLE_EQ(grad_of(a)[1], 4.0 * coef);
  EXPECT_DOUBLE_EQ(grad_of(b)[0], 12.0 * coef);
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  Tensor a = with_grad({0.3, -0.4});
  const uint64_t version = a.grad().storage().version();
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a}, 1.0), 0.5);
  EXPECT_EQ(grad_of(a), (std::vector<double>{0.3, -0.4}));
  EXPECT_EQ(a.grad().storage().version(), version);
}

TEST(ClipGradNorm, OtherNorms) {
  Tensor a = with_grad({3.0, -4.0}), b = with_grad({-12.0});
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 100.0, 1.0), 19.0);
  EXPECT_DOUBLE_EQ(clip_grad_norm_({a, b}, 100.0, std::numeric_limits<double>::infinity()), 12.0);
  EXPECT_NEAR(clip_grad_norm_({a, b}, 100.0, 3.0), std::cbrt(27.0 + 64.0 + 1728.0), 1e-12);
  const double inf_total = clip_grad_norm_({a, b}, 6.0, std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(inf_total, 12.0);
  EXPECT_NEAR(grad_of(b)[0], -12.0 * 6.0 / (12.0 + 1e-6), 1e-12);
}

TEST(ClipGradNorm, IgnoresParametersWithoutGradients) {
  Tensor none = zeros({2}, {.dtype = kFloat64});
  none.requires_grad_();
  EXPECT_EQ(clip_grad_norm_({none}, 1.0), 0.0);
  Tensor a = with_grad({6.0, 8.0});
  EXPECT_DOUBLE_EQ(clip_grad_norm_({none, a, a}, 20.0), 10.0);  // a counted once
}

TEST(ClipGradNorm, LargeF32GradientIsSummedInDouble) {
  const int64_t n = 1 << 20;
  Tensor p = zeros({n});
  p.requires_grad_();
  p.set_grad(full({n}, 0.5));
  EXPECT_NEAR(clip_grad_norm_({p}, 1e9), 0.5 * std::sqrt(static_cast<double>(n)), 1e-9);
  EXPECT_NEAR(clip_grad_norm_({p}, 1e9, 1.0), 0.5 * static_cast<double>(n), 1e-9);
  const double total = clip_grad_norm_({p}, 1.0);
  const auto g = p.grad().to_vector<float>();
  EXPECT_NEAR(g[0], 0.5 / (total + 1e-6), 1e-9);
  EXPECT_NEAR(g[n - 1], 0.5 / (total + 1e-6), 1e-9);
}

TEST(ClipGradNorm, StridedGradient) {
  Tensor p = zeros({3, 2}, {.dtype = kFloat64});
  p.requires_grad_();
  const Tensor g = from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3}).t();
  ASSERT_FALSE(g.is_contiguous());
  p.set_grad(g);
  const double total = clip_grad_norm_({p}, 1.0);
  EXPECT_DOUBLE_EQ(total, std::sqrt(91.0));
  const Tensor want = from_vector<double>({1, 4, 2, 5, 3, 6}, {3, 2}) * (1.0 / (total + 1e-6));
  EXPECT_TRUE(allclose(p.grad(), want, 1e-15, 0));
}

TEST(ClipGradNorm, NonFiniteNormsPoisonTheGradientsLikePyTorch) {
  Tensor a = with_grad({std::nan(""), 1.0});
  EXPECT_TRUE(std::isnan(clip_grad_norm_({a}, 1.0)));
  EXPECT_TRUE(std::isnan(grad_of(a)[1]));
  Tensor b = with_grad({std::nan(""), 1.0});
  EXPECT_TRUE(std::isnan(clip_grad_norm_({b}, 1.0, std::numeric_limits<double>::infinity())));
}

TEST(ClipGradNorm, BadArgumentsAreRefused) {
  Tensor a = with_grad({1.0});
  try {
    clip_grad_norm_({a}, 1.0, 0.0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("clip_grad_norm_: norm_type 0 is not supported"));
  }
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, -2.0), Error);
  EXPECT_THROW(clip_grad_norm_({a}, -1.0), Error);
  Tensor i = zeros({2}, {.dtype = kFloat64});
  i.set_grad(zeros({2}, {.dtype = kInt64}));
  try {
    clip_grad_norm_({i}, 1.0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the gradient of parameter 0 (shape [2]) has dtype i64"));
  }
}

TEST(ClipGradValue, ClampsEveryElement) {
  Tensor a = with_grad({-3.0, -0.5, 0.0, 0.5, 3.0, std::nan("")});
  clip_grad_value_({a}, 1.0);
  const auto g = grad_of(a);
  EXPECT_EQ(std::vector<double>(g.begin(), g.begin() + 5), (std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0}));
  EXPECT_TRUE(std::isnan(g[5]));
}

TEST(ClipGradValue, StridedAndLargeGradients) {
  Tensor p = zeros({3, 2}, {.dtype = kFloat64});
  p.requires_grad_();
  p.set_grad(from_vector<double>({1, -2, 3, -4, 5, -6}, {2, 3}).t());
  clip_grad_value_({p}, 2.5);
  EXPECT_TRUE(equal(p.grad(), from_vector<double>({1, -2.5, -2, 2.5, 2.5, -2.5}, {3, 2})));
  const int64_t n = 100000;
  Tensor q = zeros({n});
  q.requires_grad_();
  q.set_grad(testing::input({n}, 9).detach().to(kFloat32) * 3.0f);
  clip_grad_value_({q}, 0.25);
  const auto g = q.grad().to_vector<float>();
  EXPECT_LE(*std::max_element(g.begin(), g.end()), 0.25f);
  EXPECT_GE(*std::min_element(g.begin(), g.end()), -0.25f);
}

TEST(ClipGradValue, NegativeClipValueIsRefused) {
  Tensor a = with_grad({1.0});
  try {
    clip_grad_value_({a}, -1.0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("clip_grad_value_: clip_value -1 must be >= 0"));
  }
}

}  // namespace
}  // namespace strata::optim
