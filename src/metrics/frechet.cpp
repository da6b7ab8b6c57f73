// Fréchet distance between feature sets. The trace term tr((S_a S_b)^½) is computed as
// tr((S_a^½ S_b S_a^½)^½): the inner matrix is symmetric positive semi-definite, so both roots are symmetric
// eigendecompositions (stable where scipy.linalg.sqrtm's Schur method of the non-symmetric S_a S_b may
// return complex rounding noise), and the trace of the outer root is the sum of the square roots of the
// inner matrix's eigenvalues.
#include "strata/metrics/frechet.h"

#include <algorithm>
#include <cmath>

#include "strata/core/factory.h"
#include "strata/ops/linalg.h"
#include "symmetric_eigen.h"

namespace strata::metrics {

GaussianStats gaussian_stats(const Tensor& features) {
  STRATA_CHECK(features.defined() && features.dim() == 2,
               "frechet_distance: features must be a [N, D] tensor, got shape {}",
               features.defined() ? features.shape().str() : std::string("undefined"));
  STRATA_CHECK(is_floating(features.dtype()), "frechet_distance: features must be floating point, got {}",
               dtype_name(features.dtype()));
  const int64_t n = features.size(0), d = features.size(1);
  STRATA_CHECK(n >= 2 && d >= 1,
               "frechet_distance: a covariance needs at least 2 feature vectors of width >= 1, got shape {}",
               features.shape().str());
  const Tensor x = features.to(kFloat64).contiguous();
  const Tensor mu = x.mean({0}, true);
  const Tensor centred = x - mu;
  GaussianStats s;
  s.count = n;
  s.dim = d;
  s.mean = mu.contiguous().to_vector<double>();
  s.cov = (ops::matmul(centred.t(), centred) / static_cast<double>(n - 1)).contiguous().to_vector<double>();
  for (const double v : s.mean)
    STRATA_CHECK(std::isfinite(v), "frechet_distance: the features hold NaN or inf (shape {})",
                 features.shape().str());
  return s;
}

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  STRATA_CHECK(a.dim == b.dim, "frechet_distance: feature widths differ ({} vs {})", a.dim, b.dim);
  STRATA_CHECK(a.dim >= 1 && static_cast<int64_t>(a.mean.size()) == a.dim &&
                   static_cast<int64_t>(a.cov.size()) == a.dim * a.dim &&
                   static_cast<int64_t>(b.mean.size()) == b.dim &&
                   static_cast<int64_t>(b.cov.size()) == b.dim * b.dim,
               "frechet_distance: GaussianStats of width {} need a mean of {} and a covariance of {} values",
               a.dim, a.dim, a.dim * a.dim);
  const int64_t d = a.dim;
  double mean_term = 0, trace_a = 0, trace_b = 0;
  for (int64_t i = 0; i < d; ++i) {
    const double diff = a.mean[static_cast<size_t>(i)] - b.mean[static_cast<size_t>(i)];
    mean_term += diff * diff;
    trace_a += a.cov[static_cast<size_t>(i * d + i)];
    trace_b += b.cov[static_cast<size_t>(i * d + i)];
  }
  const Tensor root_a = detail::symmetric_sqrt(from_vector(a.cov, {d, d}), "frechet_distance");
  const Tensor inner = ops::matmul(ops::matmul(root_a, from_vector(b.cov, {d, d})), root_a);
  // Symmetrise: the products above are symmetric up to rounding, and dsyevd reads one triangle only.
  const Tensor sym = (inner + inner.t()) * 0.5;
  const auto eig = detail::symmetric_eigen(sym.contiguous().to_vector<double>(), d, "frechet_distance");
  double trace_root = 0;
  for (const double w : eig.values) trace_root += std::sqrt(std::max(w, 0.0));
  // Rounding can leave a tiny negative value for identical sets; a distance is never below zero.
  return std::max(mean_term + trace_a + trace_b - 2 * trace_root, 0.0);
}

double frechet_distance(const Tensor& features_a, const Tensor& features_b) {
  if (features_a.defined() && features_b.defined() && features_a.dim() == 2 && features_b.dim() == 2)
    STRATA_CHECK(features_a.size(1) == features_b.size(1),
                 "frechet_distance: feature widths differ: {} vs {} (each set is [N, D] with the same D)",
                 features_a.shape().str(), features_b.shape().str());
  return frechet_distance(gaussian_stats(features_a), gaussian_stats(features_b));
}

}  // namespace strata::metrics
