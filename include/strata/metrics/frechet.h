#pragma once
// The Fréchet distance between two sets of feature vectors, each summarised as a Gaussian (mean and
// covariance): d² = |mu_a - mu_b|² + tr(S_a) + tr(S_b) - 2 tr((S_a^½ S_b S_a^½)^½), the quantity behind
// FID (Heusel et al., 2017). All sums run in f64; the matrix square roots come from symmetric
// eigendecompositions (LAPACK dsyevd), with eigenvalues below zero (rounding, rank-deficient sets)
// clamped to zero, so singular covariances are handled.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::metrics {

// The mean and (unbiased, N - 1) covariance of a set of feature vectors, in f64.
struct GaussianStats {
  int64_t count = 0;         // vectors summarised
  int64_t dim = 0;           // feature width D
  std::vector<double> mean;  // [D]
  std::vector<double> cov;   // [D, D], row-major
};

// Mean and covariance of `features`, a [N, D] floating tensor with N >= 2; throws naming the shape otherwise.
GaussianStats gaussian_stats(const Tensor& features);

// The squared Fréchet distance between two Gaussians; throws when their widths differ.
double frechet_distance(const GaussianStats& a, const GaussianStats& b);

// The squared Fréchet distance between the Gaussians of two [N, D] feature sets (N may differ, D may not).
double frechet_distance(const Tensor& features_a, const Tensor& features_b);

}  // namespace strata::metrics
