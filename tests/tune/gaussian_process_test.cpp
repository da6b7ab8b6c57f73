// Gaussian process: posterior mean and variance against closed forms, the log marginal likelihood and its
// gradient, hyperparameter fitting, and errors.
#include "strata/tune/gaussian_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "strata/core/error.h"

namespace strata::tune {
namespace {

double matern_r(double r, double s) {
  return s * (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
}

GPHyperparameters hyper(std::vector<double> lengthscales, double signal, double noise) {
  GPHyperparameters h;
  for (double l : lengthscales) h.log_lengthscales.push_back(std::log(l));
  h.log_signal_variance = std::log(signal);
  h.log_noise_variance = std::log(noise);
  return h;
}

const GPOptions kFixed{.optimize = false, .normalize_y = false};

TEST(Matern52, MatchesItsFormula) {
  const double a[2] = {0.1, 0.7}, b[2] = {0.4, 0.2};
  const double r = std::sqrt(std::pow(0.3 / 0.5, 2) + std::pow(0.5 / 2.0, 2));
  EXPECT_NEAR(matern52(a, b, {0.5, 2.0}, 1.5), matern_r(r, 1.5), 1e-15);
  EXPECT_DOUBLE_EQ(matern52(a, a, {0.5, 2.0}, 1.5), 1.5);
  // Decreasing in distance, symmetric.
  const double c[2] = {0.9, 0.2};
  EXPECT_GT(matern52(a, b, {0.5, 2.0}, 1.0), matern52(a, c, {0.5, 2.0}, 1.0));
  EXPECT_DOUBLE_EQ(matern52(a, b, {0.5, 2.0}, 1.0), matern52(b, a, {0.5, 2.0}, 1.0));
}

TEST(GaussianProcess, OnePointPosteriorMatchesTheClosedForm) {
  // One observation y0 at x0: mean = k y0 / (s + n), variance = s - k^2 / (s + n).
  const double s = 2.0, n = 0.1, l = 0.5, y0 = 1.3;
  GaussianProcess gp;
  const GPHyperparameters h = hyper({l}, s, n);
  gp.fit({{0.2}}, {y0}, kFixed, &h);
  for (double x : {0.2, 0.3, 0.7, 1.0}) {
    const double k = matern_r(std::abs(x - 0.2) / l, s);
    const GPPrediction p = gp.predict({x});
    EXPECT_NEAR(p.mean, k * y0 / (s + n), 1e-12) << x;
    EXPECT_NEAR(p.variance, s - k * k / (s + n), 1e-12) << x;
  }
  EXPECT_NEAR(gp.log_likelihood(),
              -0.5 * y0 * y0 / (s + n) - 0.5 * std::log(s + n) - 0.5 * std::log(2 * std::numbers::pi), 1e-12);
}

TEST(GaussianProcess, TwoPointPosteriorMatchesTheClosedForm) {
  const double s = 1.0, n = 1e-2;
  const std::vector<double> ls = {0.3, 0.8};
  const std::vector<std::vector<double>> x = {{0.1, 0.2}, {0.5, 0.9}};
  const std::vector<double> y = {0.5, -1.0};
  GaussianProcess gp;
  const GPHyperparameters h = hyper(ls, s, n);
  gp.fit(x, y, kFixed, &h);
  const double k12 = matern52(x[0].data(), x[1].data(), ls, s);
  // (K + nI)^-1 for the 2x2 case.
  const double a = s + n, det = a * a - k12 * k12;
  const double inv[2][2] = {{a / det, -k12 / det}, {-k12 / det, a / det}};
  const std::vector<double> q = {0.3, 0.6};
  const double k1 = matern52(q.data(), x[0].data(), ls, s), k2 = matern52(q.data(), x[1].data(), ls, s);
  const double mean = k1 * (inv[0][0] * y[0] + inv[0][1] * y[1]) + k2 * (inv[1][0] * y[0] + inv[1][1] * y[1]);
  const double var = s - (k1 * (inv[0][0] * k1 + inv[0][1] * k2) + k2 * (inv[1][0] * k1 + inv[1][1] * k2));
  const GPPrediction p = gp.predict(q);
  EXPECT_NEAR(p.mean, mean, 1e-12);
  EXPECT_NEAR(p.variance, var, 1e-12);
}

TEST(GaussianProcess, NormalizedTargetsPredictInTheirOwnUnits) {
  // Far from the data the mean returns to the mean of y, the variance to the prior's (times var(y)).
  GaussianProcess gp;
  const GPHyperparameters h = hyper({0.05}, 1.0, 1e-6);
  gp.fit({{0.0}, {0.1}}, {10.0, 14.0}, {.optimize = false}, &h);
  const GPPrediction far = gp.predict({1.0});
  EXPECT_NEAR(far.mean, 12.0, 1e-6);
  EXPECT_NEAR(far.variance, 4.0, 1e-6);
  EXPECT_NEAR(gp.predict({0.1}).mean, 14.0, 1e-3);
}

TEST(LogMarginalLikelihood, GradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::vector<double>> x(9, std::vector<double>(3));
  std::vector<double> y(9);
  for (size_t i = 0; i < x.size(); ++i) {
    for (double& v : x[i]) v = u(rng);
    y[i] = std::sin(3 * x[i][0]) + x[i][1] * x[i][1] - 0.5 * x[i][2];
  }
  const GPHyperparameters h = hyper({0.4, 0.9, 1.7}, 1.3, 0.02);
  std::vector<double> grad;
  log_marginal_likelihood(x, y, h, &grad);
  const std::vector<double> theta = h.flat();
  ASSERT_EQ(grad.size(), theta.size());
  for (size_t j = 0; j < theta.size(); ++j) {
    std::vector<double> plus = theta, minus = theta;
    const double eps = 1e-6;
    plus[j] += eps, minus[j] -= eps;
    const double fd = (log_marginal_likelihood(x, y, GPHyperparameters::from_flat(plus)) -
                       log_marginal_likelihood(x, y, GPHyperparameters::from_flat(minus))) /
                      (2 * eps);
    EXPECT_NEAR(grad[j], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "theta " << j;
  }
}

TEST(GaussianProcess, FittingRaisesTheLikelihoodAndInterpolates) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 12; ++i) {
    const double t = i / 11.0;
    x.push_back({t, 0.5});
    y.push_back(std::sin(6 * t));
  }
  GaussianProcess fixed, fitted;
  const GPHyperparameters start = hyper({2.0, 2.0}, 1.0, 0.1);
  fixed.fit(x, y, {.optimize = false}, &start);
  fitted.fit(x, y, {.seed = 1});
  EXPECT_GT(fitted.log_likelihood(), fixed.log_likelihood());
  // The second input does not vary: its length-scale need not be short; the first one's is.
  EXPECT_LT(fitted.hyperparameters().log_lengthscales[0], std::log(1.0));
  // Between the training points the fit follows sin(6 t), and it is sure near them but not far away.
  for (double t : {0.05, 0.33, 0.61, 0.95})
    EXPECT_NEAR(fitted.predict({t, 0.5}).mean, std::sin(6 * t), 0.05) << t;
  EXPECT_LT(fitted.predict({x[3][0], 0.5}).variance, 1e-2);
  EXPECT_GT(fitted.predict({0.5, 0.0}).variance, fitted.predict({0.5, 0.5}).variance);
}

TEST(GaussianProcess, FitIsReproducibleForASeed) {
  std::vector<std::vector<double>> x = {{0.1, 0.9}, {0.4, 0.3}, {0.8, 0.5}, {0.6, 0.1}, {0.2, 0.2}};
  std::vector<double> y = {1.0, 0.2, -0.5, 0.7, 0.1};
  GaussianProcess a, b;
  a.fit(x, y, {.seed = 3});
  b.fit(x, y, {.seed = 3});
  EXPECT_EQ(a.hyperparameters().flat(), b.hyperparameters().flat());
  EXPECT_EQ(a.predict({0.5, 0.5}).mean, b.predict({0.5, 0.5}).mean);
}

TEST(GaussianProcess, DuplicatePointsStayPositiveDefinite) {
  // Identical inputs with a tiny noise make K singular: jitter keeps the Cholesky going.
  GaussianProcess gp;
  const GPHyperparameters h = hyper({0.5}, 1.0, 1e-12);
  gp.fit({{0.3}, {0.3}, {0.3}}, {1.0, 1.0, 1.0}, kFixed, &h);
  EXPECT_NEAR(gp.predict({0.3}).mean, 1.0, 1e-3);
}

TEST(GaussianProcess, ErrorsNameTheProblem) {
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  GaussianProcess gp;
  EXPECT_NE(error_of([&] { gp.predict({0.5}); }).find("predict before fit"), std::string::npos);
  EXPECT_NE(error_of([&] {
              gp.fit({{0.1}, {0.2}}, {1.0});
            }).find("as many targets as inputs"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              gp.fit({{0.1}, {0.2, 0.3}}, {1.0, 2.0});
            }).find("inputs have 1 and 2 features"),
            std::string::npos);
  EXPECT_NE(error_of([&] { gp.fit({{0.1}}, {NAN}); }).find("a target is not finite"), std::string::npos);
  EXPECT_NE(
      error_of([&] { gp.fit({{0.1}}, {1.0}, {.optimize = false}); }).find("needs initial hyperparameters"),
      std::string::npos);
  gp.fit({{0.1}, {0.5}}, {1.0, 2.0});
  EXPECT_NE(error_of([&] {
              gp.predict({0.5, 0.5});
            }).find("predict got 2 features, expected 1"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::tune
