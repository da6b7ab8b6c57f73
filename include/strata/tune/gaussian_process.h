#pragma once
// Gaussian-process regression for Bayesian optimisation: a Matérn 5/2 kernel with one length-scale per input
// (ARD), hyperparameters fitted by maximising the log marginal likelihood (L-BFGS on the log-parameters, a
// few restarts), Cholesky with jitter. Inputs are expected in [0, 1]^d (see SearchSpace::encode); targets are
// standardised internally. The work is small (tens of points), so it runs in plain f64 loops; the same
// kernel is available on tensors (matern52_kernel) for autograd and gradient checks.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::tune {

// Matérn 5/2 with ARD: k(a, b) = s (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r), r^2 = sum_j ((a_j - b_j) / l_j)^2.
double matern52(const double* a, const double* b, const std::vector<double>& lengthscales,
                double signal_variance);

// The Matérn 5/2 kernel matrix [n, m] of x1 [n, d] and x2 [m, d] on tensors, differentiable (autograd) in
// all four inputs; lengthscales and variance are given as logs ([d] and a 0-dim tensor).
Tensor matern52_kernel(const Tensor& x1, const Tensor& x2, const Tensor& log_lengthscales,
                       const Tensor& log_signal_variance);

// GP hyperparameters, as logs so that any real vector is valid.
struct GPHyperparameters {
  std::vector<double> log_lengthscales;  // one per input dimension
  double log_signal_variance = 0.0;
  double log_noise_variance = -6.0;

  // As one vector: log-lengthscales, then log signal variance, then log noise variance.
  std::vector<double> flat() const;
  static GPHyperparameters from_flat(const std::vector<double>& theta);
};

// Log marginal likelihood of targets y at inputs x (n rows of d) under a zero-mean GP, and, when `gradient`
// is given, its gradient with respect to GPHyperparameters::flat(). Throws when the kernel matrix is not
// positive definite even with jitter.
double log_marginal_likelihood(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                               const GPHyperparameters& hyper, std::vector<double>* gradient = nullptr);

struct GPOptions {
  bool optimize = true;  // fit hyperparameters by maximum (penalised) likelihood; false: keep the given ones
  int restarts = 2;      // random restarts besides the default and the previous fit
  int max_iterations = 60;  // L-BFGS iterations per start
  bool normalize_y = true;  // subtract the mean and divide by the std of y
  uint64_t seed = 0;
  // Bounds of the fit (logs are taken internally). Inputs live in [0, 1], so length-scales stay in a range
  // where they mean something.
  double min_lengthscale = 0.01, max_lengthscale = 20.0;
  double min_noise = 1e-6, max_noise = 1.0;
  double min_signal = 0.01, max_signal = 100.0;
};

struct GPPrediction {
  double mean = 0.0;
  double variance = 0.0;  // of the latent function (noise excluded)
};

class GaussianProcess {
 public:
  GaussianProcess() = default;

  // Conditions on (x, y). With options.optimize the hyperparameters are fitted, starting from `initial` (or
  // defaults) plus random restarts; otherwise `initial` is used as is (and must be given).
  void fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
           const GPOptions& options = {}, const GPHyperparameters* initial = nullptr);
  // Keeps the hyperparameters and conditions on new data (e.g. with fantasy values for pending points).
  void refit(const std::vector<std::vector<double>>& x, const std::vector<double>& y);

  // Posterior mean and latent variance at x (in the units of y).
  GPPrediction predict(const std::vector<double>& x) const;
  const GPHyperparameters& hyperparameters() const { return hyper_; }
  // Log marginal likelihood of the standardised targets under the fitted hyperparameters.
  double log_likelihood() const { return log_likelihood_; }
  int64_t size() const { return static_cast<int64_t>(x_.size()); }
  bool fitted() const { return !x_.empty(); }

 private:
  void condition();

  std::vector<std::vector<double>> x_;
  std::vector<double> y_;  // standardised
  double y_mean_ = 0.0, y_scale_ = 1.0;
  bool normalize_y_ = true;
  GPHyperparameters hyper_;
  std::vector<double> chol_;   // lower Cholesky factor of K + noise I (n x n, row-major)
  std::vector<double> alpha_;  // (K + noise I)^-1 y
  double log_likelihood_ = 0.0;
};

}  // namespace strata::tune
