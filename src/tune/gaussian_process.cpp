#include "strata/tune/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "lbfgs.h"
#include "strata/core/error.h"
#include "strata/ops/elementwise.h"

namespace strata::tune {
namespace {

constexpr double kSqrt5 = 2.2360679774997896964;

using Matrix = std::vector<double>;  // row-major n x n

// r^2 between rows a and b of dimension d, scaled by the length-scales.
double scaled_distance2(const double* a, const double* b, const double* inv_ls, size_t d) {
  double r2 = 0;
  for (size_t j = 0; j < d; ++j) {
    const double z = (a[j] - b[j]) * inv_ls[j];
    r2 += z * z;
  }
  return r2;
}

double matern_of_r(double r, double signal) {
  return signal * (1 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r);
}

// In-place Cholesky of an n x n SPD matrix (lower triangle); false when not positive definite.
bool cholesky(Matrix& a, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0) || !std::isfinite(d)) return false;
    d = std::sqrt(d);
    a[j * n + j] = d;
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
    for (size_t k = j + 1; k < n; ++k) a[j * n + k] = 0;
  }
  return true;
}

// Solves L z = b (forward substitution) in place.
void solve_lower(const Matrix& l, size_t n, std::vector<double>& b) {
  for (size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (size_t k = 0; k < i; ++k) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
}

// Solves L^T z = b (back substitution) in place.
void solve_upper_t(const Matrix& l, size_t n, std::vector<double>& b) {
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t k = i + 1; k < n; ++k) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

struct Factored {
  Matrix kernel;  // K without noise
  Matrix chol;    // L of K + (noise + jitter) I
  std::vector<double> alpha;
  double log_det_half = 0;  // sum log L_ii
};

// Builds K, factors K + noise I (adding jitter when needed) and solves for alpha.
Factored factor(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                const GPHyperparameters& h) {
  const size_t n = x.size(), d = h.log_lengthscales.size();
  std::vector<double> inv_ls(d);
  for (size_t j = 0; j < d; ++j) inv_ls[j] = std::exp(-h.log_lengthscales[j]);
  const double signal = std::exp(h.log_signal_variance), noise = std::exp(h.log_noise_variance);
  Factored f;
  f.kernel.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    STRATA_CHECK(x[i].size() == d, "gaussian process: input {} has {} features, the length-scales {}", i,
                 x[i].size(), d);
    f.kernel[i * n + i] = signal;
    for (size_t k = 0; k < i; ++k) {
      const double v =
          matern_of_r(std::sqrt(scaled_distance2(x[i].data(), x[k].data(), inv_ls.data(), d)), signal);
      f.kernel[i * n + k] = f.kernel[k * n + i] = v;
    }
  }
  double jitter = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    f.chol = f.kernel;
    for (size_t i = 0; i < n; ++i) f.chol[i * n + i] += noise + jitter;
    if (cholesky(f.chol, n)) break;
    f.chol.clear();
    jitter = jitter == 0 ? 1e-10 * signal : jitter * 10;
  }
  STRATA_CHECK(!f.chol.empty(), "gaussian process: the kernel matrix of {} points is not positive definite",
               n);
  f.alpha = y;
  solve_lower(f.chol, n, f.alpha);
  solve_upper_t(f.chol, n, f.alpha);
  for (size_t i = 0; i < n; ++i) f.log_det_half += std::log(f.chol[i * n + i]);
  return f;
}

double lml_of(const Factored& f, const std::vector<double>& y) {
  double fit = 0;
  for (size_t i = 0; i < y.size(); ++i) fit += y[i] * f.alpha[i];
  return -0.5 * fit - f.log_det_half - 0.5 * static_cast<double>(y.size()) * std::log(2 * std::numbers::pi);
}

// Weak log-normal priors that keep the fit sensible with few points (inputs in [0, 1], targets standardised).
struct Prior {
  double mean, sd;
};
constexpr Prior kLengthscalePrior{-0.7, 1.5};  // median length-scale 0.5
constexpr Prior kSignalPrior{0.0, 1.5};
constexpr Prior kNoisePrior{-7.0, 3.0};

double log_normal_penalty(double v, Prior p, double* grad) {
  const double z = (v - p.mean) / p.sd;
  *grad += z / p.sd;
  return 0.5 * z * z;
}

}  // namespace

double matern52(const double* a, const double* b, const std::vector<double>& lengthscales,
                double signal_variance) {
  double r2 = 0;
  for (size_t j = 0; j < lengthscales.size(); ++j) {
    const double z = (a[j] - b[j]) / lengthscales[j];
    r2 += z * z;
  }
  return matern_of_r(std::sqrt(r2), signal_variance);
}

Tensor matern52_kernel(const Tensor& x1, const Tensor& x2, const Tensor& log_lengthscales,
                       const Tensor& log_signal_variance) {
  STRATA_CHECK(x1.dim() == 2 && x2.dim() == 2 && x1.size(1) == x2.size(1),
               "matern52_kernel: x1 and x2 must be [n, d] and [m, d], got {} and {}", x1.shape().str(),
               x2.shape().str());
  STRATA_CHECK(log_lengthscales.dim() == 1 && log_lengthscales.size(0) == x1.size(1),
               "matern52_kernel: log_lengthscales must be [{}], got {}", x1.size(1),
               log_lengthscales.shape().str());
  STRATA_CHECK(log_signal_variance.numel() == 1,
               "matern52_kernel: log_signal_variance must be one number, got {}",
               log_signal_variance.shape().str());
  const Tensor inv_ls = ops::exp(-log_lengthscales);
  const Tensor diff = (x1 * inv_ls).unsqueeze(1) - (x2 * inv_ls).unsqueeze(0);  // [n, m, d]
  const Tensor r2 = (diff * diff).sum({2});
  // sqrt is not differentiable at 0; at r = 0 every first derivative of k through r vanishes anyway.
  const Tensor s5r = ops::sqrt(ops::clamp(r2, 1e-30, std::nullopt)) * kSqrt5;
  return ops::exp(log_signal_variance.reshape({})) * (1.0 + s5r + r2 * (5.0 / 3.0)) * ops::exp(-s5r);
}

std::vector<double> GPHyperparameters::flat() const {
  std::vector<double> t = log_lengthscales;
  t.push_back(log_signal_variance);
  t.push_back(log_noise_variance);
  return t;
}

GPHyperparameters GPHyperparameters::from_flat(const std::vector<double>& theta) {
  STRATA_CHECK(theta.size() >= 2, "gaussian process: need at least 2 hyperparameters, got {}", theta.size());
  GPHyperparameters h;
  h.log_lengthscales.assign(theta.begin(), theta.end() - 2);
  h.log_signal_variance = theta[theta.size() - 2];
  h.log_noise_variance = theta.back();
  return h;
}

double log_marginal_likelihood(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                               const GPHyperparameters& h, std::vector<double>* gradient) {
  STRATA_CHECK(x.size() == y.size() && !x.empty(), "gaussian process: {} inputs and {} targets", x.size(),
               y.size());
  const Factored f = factor(x, y, h);
  const double lml = lml_of(f, y);
  if (!gradient) return lml;
  const size_t n = x.size(), d = h.log_lengthscales.size();
  // dLML/dtheta = 1/2 tr(W dK/dtheta) with W = alpha alpha^T - K^-1.
  Matrix w(n * n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> e(n, 0.0);
    e[i] = 1;
    solve_lower(f.chol, n, e);
    solve_upper_t(f.chol, n, e);
    for (size_t k = 0; k < n; ++k) w[i * n + k] = f.alpha[i] * f.alpha[k] - e[k];
  }
  gradient->assign(d + 2, 0.0);
  std::vector<double> inv_ls(d);
  for (size_t j = 0; j < d; ++j) inv_ls[j] = std::exp(-h.log_lengthscales[j]);
  const double signal = std::exp(h.log_signal_variance), noise = std::exp(h.log_noise_variance);
  auto& g = *gradient;
  for (size_t i = 0; i < n; ++i) {
    g[d] += 0.5 * w[i * n + i] * f.kernel[i * n + i];
    g[d + 1] += 0.5 * w[i * n + i] * noise;
    for (size_t k = 0; k < i; ++k) {
      const double wik = w[i * n + k];  // symmetric: counts twice, cancelling the 1/2
      g[d] += wik * f.kernel[i * n + k];
      const double r = std::sqrt(scaled_distance2(x[i].data(), x[k].data(), inv_ls.data(), d));
      // dk/dlog l_j = 5/3 s (1 + sqrt5 r) exp(-sqrt5 r) ((a_j - b_j) / l_j)^2
      const double c = wik * 5.0 / 3.0 * signal * (1 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
      for (size_t j = 0; j < d; ++j) {
        const double z = (x[i][j] - x[k][j]) * inv_ls[j];
        g[j] += c * z * z;
      }
    }
  }
  return lml;
}

void GaussianProcess::fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                          const GPOptions& options, const GPHyperparameters* initial) {
  STRATA_CHECK(!x.empty() && x.size() == y.size(),
               "gaussian process: fit needs as many targets as inputs, got {} and {}", y.size(), x.size());
  const size_t d = x[0].size();
  for (const auto& row : x) {
    STRATA_CHECK(row.size() == d, "gaussian process: inputs have {} and {} features", d, row.size());
    for (double v : row) STRATA_CHECK(std::isfinite(v), "gaussian process: an input is not finite");
  }
  for (double v : y) STRATA_CHECK(std::isfinite(v), "gaussian process: a target is not finite ({})", v);
  STRATA_CHECK(options.optimize || initial,
               "gaussian process: fit without optimize needs initial hyperparameters");
  if (initial) {
    STRATA_CHECK(initial->log_lengthscales.size() == d, "gaussian process: {} length-scales for {} features",
                 initial->log_lengthscales.size(), d);
  }
  x_ = x;
  normalize_y_ = options.normalize_y;
  y_mean_ = 0, y_scale_ = 1;
  if (normalize_y_) {
    for (double v : y) y_mean_ += v;
    y_mean_ /= static_cast<double>(y.size());
    double var = 0;
    for (double v : y) var += (v - y_mean_) * (v - y_mean_);
    var /= static_cast<double>(y.size());
    y_scale_ = var > 1e-24 ? std::sqrt(var) : 1.0;
  }
  y_.resize(y.size());
  for (size_t i = 0; i < y.size(); ++i) y_[i] = (y[i] - y_mean_) / y_scale_;

  if (!options.optimize) {
    hyper_ = *initial;
    condition();
    return;
  }
  std::vector<double> lower(d + 2), upper(d + 2);
  for (size_t j = 0; j < d; ++j)
    lower[j] = std::log(options.min_lengthscale), upper[j] = std::log(options.max_lengthscale);
  lower[d] = std::log(options.min_signal), upper[d] = std::log(options.max_signal);
  lower[d + 1] = std::log(options.min_noise), upper[d + 1] = std::log(options.max_noise);

  // Negative penalised log likelihood and its gradient.
  const detail::SmoothFn objective = [&](const std::vector<double>& theta, std::vector<double>& grad) {
    double lml = 0;
    try {
      lml = log_marginal_likelihood(x_, y_, GPHyperparameters::from_flat(theta), &grad);
    } catch (const Error&) {
      return std::numeric_limits<double>::infinity();
    }
    for (double& gi : grad) gi = -gi;
    double penalty = 0;
    for (size_t j = 0; j < d; ++j) penalty += log_normal_penalty(theta[j], kLengthscalePrior, &grad[j]);
    penalty += log_normal_penalty(theta[d], kSignalPrior, &grad[d]);
    penalty += log_normal_penalty(theta[d + 1], kNoisePrior, &grad[d + 1]);
    return -lml + penalty;
  };

  std::vector<std::vector<double>> starts;
  GPHyperparameters def;
  def.log_lengthscales.assign(d, std::log(0.3));
  def.log_signal_variance = 0.0;
  def.log_noise_variance = std::log(1e-3);
  starts.push_back(def.flat());
  if (initial) starts.push_back(initial->flat());
  std::mt19937_64 rng(options.seed * 0x9E3779B97F4A7C15ULL + 17);
  auto uniform = [&](double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
  };
  for (int r = 0; r < options.restarts; ++r) {
    std::vector<double> t(d + 2);
    for (size_t j = 0; j < d; ++j) t[j] = uniform(std::log(0.05), std::log(2.0));
    t[d] = uniform(std::log(0.3), std::log(3.0));
    t[d + 1] = uniform(std::log(1e-5), std::log(1e-1));
    starts.push_back(std::move(t));
  }
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_theta = starts[0];
  for (const auto& s : starts) {
    const detail::LbfgsResult r = detail::minimize_lbfgs(objective, s, lower, upper, options.max_iterations);
    if (r.value < best) best = r.value, best_theta = r.x;
  }
  hyper_ = GPHyperparameters::from_flat(best_theta);
  condition();
}

void GaussianProcess::refit(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  STRATA_CHECK(fitted(), "gaussian process: refit before fit");
  STRATA_CHECK(!x.empty() && x.size() == y.size(), "gaussian process: refit needs as many targets as inputs");
  x_ = x;
  y_.resize(y.size());
  for (size_t i = 0; i < y.size(); ++i) y_[i] = (y[i] - y_mean_) / y_scale_;
  condition();
}

void GaussianProcess::condition() {
  const Factored f = factor(x_, y_, hyper_);
  chol_ = f.chol;
  alpha_ = f.alpha;
  log_likelihood_ = lml_of(f, y_);
}

GPPrediction GaussianProcess::predict(const std::vector<double>& x) const {
  STRATA_CHECK(fitted(), "gaussian process: predict before fit");
  const size_t n = x_.size(), d = hyper_.log_lengthscales.size();
  STRATA_CHECK(x.size() == d, "gaussian process: predict got {} features, expected {}", x.size(), d);
  std::vector<double> inv_ls(d);
  for (size_t j = 0; j < d; ++j) inv_ls[j] = std::exp(-hyper_.log_lengthscales[j]);
  const double signal = std::exp(hyper_.log_signal_variance);
  std::vector<double> k(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    k[i] = matern_of_r(std::sqrt(scaled_distance2(x.data(), x_[i].data(), inv_ls.data(), d)), signal);
    mean += k[i] * alpha_[i];
  }
  solve_lower(chol_, n, k);
  double explained = 0;
  for (double v : k) explained += v * v;
  const double var = std::max(signal - explained, 1e-12 * signal);
  return {mean * y_scale_ + y_mean_, var * y_scale_ * y_scale_};
}

}  // namespace strata::tune
