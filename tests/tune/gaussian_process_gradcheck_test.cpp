// The Matérn 5/2 kernel on tensors: values match the f64 kernel, gradients pass gradcheck in every input
// (also non-contiguous and at zero distance), and autograd through it reproduces the analytic gradient of
// the log marginal likelihood that the hyperparameter fit uses.
#include <gtest/gtest.h>

#include <cmath>

#include "strata/tune/gaussian_process.h"
#include "test_util.h"

namespace strata::tune {
namespace {

using testing::input;
using testing::transposed_input;

TEST(Matern52Kernel, MatchesTheF64Kernel) {
  const Tensor x1 = input({4, 3}, 1, 0.0, 1.0).detach(), x2 = input({5, 3}, 2, 0.0, 1.0).detach();
  const std::vector<double> ls = {0.3, 0.7, 1.4};
  const Tensor log_ls = from_vector<double>({std::log(ls[0]), std::log(ls[1]), std::log(ls[2])});
  const Tensor log_s = scalar_tensor(std::log(1.7), {.dtype = kFloat64});
  const Tensor k = matern52_kernel(x1, x2, log_ls, log_s);
  ASSERT_EQ(k.shape(), (Shape{4, 5}));
  const std::vector<double> a = x1.contiguous().to_vector<double>(), b = x2.contiguous().to_vector<double>();
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      EXPECT_NEAR(k.at({i, j}), matern52(&a[i * 3], &b[j * 3], ls, 1.7), 1e-14);
    }
  }
  // The diagonal of K(X, X) is the signal variance.
  const Tensor kk = matern52_kernel(x1, x1, log_ls, log_s);
  for (int64_t i = 0; i < 4; ++i) EXPECT_NEAR(kk.at({i, i}), 1.7, 1e-14);
}

TEST(Matern52Kernel, GradcheckInEveryInput) {
  auto fn = [](const std::vector<Tensor>& in) { return matern52_kernel(in[0], in[1], in[2], in[3]); };
  EXPECT_GRADCHECK(fn, input({3, 2}, 1, 0.0, 1.0), input({4, 2}, 2, 0.0, 1.0), input({2}, 3, -1.0, 0.5),
                   input({}, 4, -0.5, 0.5));
  // Non-contiguous points.
  EXPECT_GRADCHECK(fn, transposed_input({4, 3}, 5, 0.0, 1.0), input({2, 3}, 6, 0.0, 1.0),
                   input({3}, 7, -1.0, 0.5), input({}, 8, -0.5, 0.5));
}

TEST(Matern52Kernel, GradcheckAtZeroDistance) {
  // K(X, X) holds r = 0 on its diagonal, where sqrt is not differentiable; the kernel's derivatives are
  // still finite there (zero in the length-scales).
  auto fn = [](const std::vector<Tensor>& in) { return matern52_kernel(in[0], in[0], in[1], in[2]); };
  EXPECT_GRADCHECK(fn, input({4, 3}, 9, 0.0, 1.0), input({3}, 10, -1.0, 0.5), input({}, 11, -0.5, 0.5));
}

// Inverse of a small SPD matrix by Gauss-Jordan elimination (test helper).
std::vector<double> inverse(std::vector<double> a, size_t n) {
  std::vector<double> inv(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (size_t c = 0; c < n; ++c) {
    const double p = a[c * n + c];
    for (size_t k = 0; k < n; ++k) a[c * n + k] /= p, inv[c * n + k] /= p;
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (size_t k = 0; k < n; ++k) a[r * n + k] -= f * a[c * n + k], inv[r * n + k] -= f * inv[c * n + k];
    }
  }
  return inv;
}

TEST(Matern52Kernel, AutogradReproducesTheLikelihoodGradient) {
  // dLML/dtheta = 1/2 sum(W * dK/dtheta) with W = alpha alpha^T - K^-1 held fixed: backward through the
  // tensor kernel must give the analytic gradient log_marginal_likelihood() returns.
  const size_t n = 6, d = 2;
  const Tensor xt = input({6, 2}, 12, 0.0, 1.0).detach();
  const std::vector<double> flat = xt.to_vector<double>();
  std::vector<std::vector<double>> x(n, std::vector<double>(d));
  for (size_t i = 0; i < n; ++i) x[i] = {flat[i * d], flat[i * d + 1]};
  const std::vector<double> y = {0.3, -1.2, 0.8, 0.1, 1.5, -0.4};
  GPHyperparameters h;
  h.log_lengthscales = {std::log(0.4), std::log(1.1)};
  h.log_signal_variance = std::log(1.3);
  h.log_noise_variance = std::log(0.05);
  std::vector<double> analytic;
  log_marginal_likelihood(x, y, h, &analytic);

  const Tensor log_ls = from_vector<double>(h.log_lengthscales).requires_grad_();
  const Tensor log_s = scalar_tensor(h.log_signal_variance, {.dtype = kFloat64}).requires_grad_();
  const Tensor k = matern52_kernel(xt, xt, log_ls, log_s);
  std::vector<double> kn = k.detach().contiguous().to_vector<double>();
  for (size_t i = 0; i < n; ++i) kn[i * n + i] += std::exp(h.log_noise_variance);
  const std::vector<double> kinv = inverse(kn, n);
  std::vector<double> alpha(n, 0.0), w(n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) alpha[i] += kinv[i * n + j] * y[j];
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) w[i * n + j] = alpha[i] * alpha[j] - kinv[i * n + j];
  }
  const Tensor surrogate = (from_vector<double>(w, {6, 6}) * k).sum() * 0.5;
  surrogate.backward();
  const std::vector<double> g_ls = log_ls.grad().to_vector<double>();
  EXPECT_NEAR(g_ls[0], analytic[0], 1e-9);
  EXPECT_NEAR(g_ls[1], analytic[1], 1e-9);
  EXPECT_NEAR(log_s.grad().item(), analytic[2], 1e-9);
}

TEST(Matern52Kernel, ShapeErrorsNameTheOp) {
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  const Tensor x = zeros({3, 2}, {.dtype = kFloat64}), ls = zeros({2}, {.dtype = kFloat64});
  const Tensor s = zeros({}, {.dtype = kFloat64});
  EXPECT_NE(error_of([&] {
              matern52_kernel(x, zeros({3, 4}, {.dtype = kFloat64}), ls, s);
            }).find("matern52_kernel: x1 and x2 must be [n, d] and [m, d], got [3, 2] and [3, 4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              matern52_kernel(x, x, zeros({3}, {.dtype = kFloat64}), s);
            }).find("matern52_kernel: log_lengthscales must be [2], got [3]"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::tune
