// Integrated Gradients: completeness, the quadrature rules, chunking, errors.
#include "strata/explain/integrated_gradients.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "explain/explain_test_util.h"
#include "test_util.h"

namespace strata {
namespace {

using explain::Quadrature;
using testing::error_of;

// |delta_i| / |score(x_i) - score(baseline_i)| per example: the completeness error relative to what is
// attributed.
std::vector<double> relative_errors(const explain::IntegratedGradientsResult& r) {
  const std::vector<double> delta = r.delta.to_vector<double>();
  const std::vector<double> attr =
      r.attributions.reshape({r.attributions.size(0), -1}).sum({1}).to_vector<double>();
  std::vector<double> out;
  for (size_t i = 0; i < delta.size(); ++i) {
    const double gap = attr[i] - delta[i];  // score(x) - score(baseline)
    EXPECT_GT(std::abs(gap), 1e-3) << "example " << i << ": nothing to attribute";
    out.push_back(std::abs(delta[i]) / std::abs(gap));
  }
  return out;
}

// The worst of relative_errors.
double relative_completeness_error(const explain::IntegratedGradientsResult& r) {
  const std::vector<double> e = relative_errors(r);
  return *std::max_element(e.begin(), e.end());
}

TEST(IntegratedGradients, CompletenessAt64GaussLegendreSteps) {
  // Attributions sum to score(x) - score(baseline) within 1e-3 relative (Captum's own test allows 5e-3 at
  // 200 steps) on a smooth model, where the quadrature converges as fast as theory says.
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({8, 2, 5, 5}, 21).detach() * 2.0;
  const Tensor baseline = testing::input({1, 2, 5, 5}, 22).detach();
  const auto r = explain::integrated_gradients(*net, x, {}, {.steps = 64, .baseline = baseline});
  EXPECT_EQ(r.attributions.shape(), x.shape());
  EXPECT_EQ(r.delta.shape(), Shape({8}));
  EXPECT_LT(relative_completeness_error(r), 1e-3);
}

TEST(IntegratedGradients, CompletenessOnTrainedLeNet) {
  // LeNet's ReLUs and max pooling make the integrand piecewise smooth, so every rule converges more slowly
  // there; from a black baseline, for the predicted classes of 16 test images, at 64 Gauss-Legendre steps
  // the mean relative error is about 1.5e-3 and the worst stays below Captum's 5e-3 (the convergence per
  // rule is measured in docs/interpretability.md).
  auto net = testing::trained_lenet();
  const Tensor x = testing::fashion_test_images(16);
  const Tensor black = full({1, 1, 28, 28}, (0.0 - 0.2860) / 0.3530);
  const auto r = explain::integrated_gradients(*net, x, {}, {.steps = 64, .baseline = black});
  const std::vector<double> rel = relative_errors(r);
  double mean = 0;
  for (double e : rel) mean += e / static_cast<double>(rel.size());
  EXPECT_LT(mean, 2e-3);
  EXPECT_LT(relative_completeness_error(r), 5e-3);
}

TEST(IntegratedGradients, GaussLegendreBeatsRiemannAtEqualStepsOnASmoothModel) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({4, 2, 5, 5}, 11).detach() * 2.0;
  for (int64_t steps : {4, 8, 16}) {
    auto err = [&](Quadrature rule) {
      const auto r = explain::integrated_gradients(*net, x, {}, {.steps = steps, .method = rule});
      return r.delta.abs().max().item();
    };
    const double gl = err(Quadrature::GaussLegendre);
    for (Quadrature rule : {Quadrature::RiemannLeft, Quadrature::RiemannRight, Quadrature::RiemannMiddle,
                            Quadrature::RiemannTrapezoid}) {
      EXPECT_LT(gl * 10, err(rule)) << "steps " << steps << ", rule " << static_cast<int>(rule);
    }
  }
}

TEST(IntegratedGradients, QuadraturePoints) {
  // Gauss-Legendre with n points integrates polynomials of degree 2n - 1 exactly on [0, 1].
  for (int64_t n : {1, 2, 5, 64}) {
    const auto [a, w] = explain::quadrature_points(Quadrature::GaussLegendre, n);
    for (int64_t degree = 0; degree < 2 * n && degree < 12; ++degree) {
      double integral = 0;
      for (size_t k = 0; k < a.size(); ++k) integral += w[k] * std::pow(a[k], static_cast<double>(degree));
      EXPECT_NEAR(integral, 1.0 / static_cast<double>(degree + 1), 1e-13)
          << "n " << n << " degree " << degree;
    }
  }
  const auto [a2, w2] = explain::quadrature_points(Quadrature::GaussLegendre, 2);
  EXPECT_NEAR(a2[0], 0.5 - 0.5 / std::sqrt(3.0), 1e-15);
  EXPECT_NEAR(w2[1], 0.5, 1e-15);
  const auto [at, wt] = explain::quadrature_points(Quadrature::RiemannTrapezoid, 5);
  EXPECT_EQ(at, (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(wt, (std::vector<double>{0.125, 0.25, 0.25, 0.25, 0.125}));
  const auto [am, wm] = explain::quadrature_points(Quadrature::RiemannMiddle, 4);
  EXPECT_EQ(am, (std::vector<double>{0.125, 0.375, 0.625, 0.875}));
}

TEST(IntegratedGradients, ChunkSizeDoesNotChangeTheResult) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({3, 2, 5, 5}, 5).detach();
  const auto one =
      explain::integrated_gradients(*net, x, {.target = {1, 2, 3}, .internal_batch_size = 1}, {.steps = 9});
  const auto big = explain::integrated_gradients(*net, x, {.target = {1, 2, 3}, .internal_batch_size = 1000},
                                                 {.steps = 9});
  EXPECT_TRUE(allclose(one.attributions, big.attributions, 1e-12, 1e-14));
  EXPECT_TRUE(allclose(one.delta, big.delta, 1e-12, 1e-14));
}

TEST(IntegratedGradients, BaselineShapes) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 5).detach();
  const Tensor b = testing::input({2, 5, 5}, 6).detach();
  const auto unbatched = explain::integrated_gradients(*net, x, {}, {.steps = 5, .baseline = b});
  const auto one = explain::integrated_gradients(*net, x, {}, {.steps = 5, .baseline = b.unsqueeze(0)});
  const auto whole = explain::integrated_gradients(
      *net, x, {}, {.steps = 5, .baseline = b.unsqueeze(0).expand({2, 2, 5, 5})});
  EXPECT_TRUE(allclose(unbatched.attributions, whole.attributions));
  EXPECT_TRUE(allclose(one.attributions, whole.attributions));
}

TEST(IntegratedGradients, Errors) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 5).detach();
  EXPECT_NE(error_of([&] {
              explain::integrated_gradients(*net, x, {}, {.steps = 0});
            }).find("integrated_gradients: steps must be >= 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::integrated_gradients(*net, x, {},
                                            {.steps = 1, .method = Quadrature::RiemannTrapezoid});
            }).find("trapezoid rule needs steps >= 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::integrated_gradients(*net, x, {}, {.baseline = zeros({3, 5, 5})});
            }).find("the baseline's shape [3, 5, 5] fits neither the input [2, 2, 5, 5] nor one example"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::integrated_gradients(*net, x, {.target = {1}});
            }).find("target has 1 entries for an input batch of 2"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              explain::quadrature_from_name("gauss_legendre");
            }).find("unknown quadrature 'gauss_legendre' (did you mean 'gausslegendre'?)"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
