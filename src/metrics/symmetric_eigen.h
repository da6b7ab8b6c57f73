#pragma once
// Eigenvalues and eigenvectors of a real symmetric matrix (LAPACK dsyevd through the OpenBLAS strata links),
// for the matrix square roots of metrics::frechet_distance.
#include <cstdint>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::metrics::detail {

// A symmetric matrix's eigenvalues (ascending) and its eigenvectors as the columns of a row-major [n, n].
struct SymmetricEigen {
  std::vector<double> values;
  std::vector<double> vectors;
};

// Decomposes the row-major symmetric [n, n] `a` (only its lower triangle is read); throws strata::Error
// naming `what` when LAPACK does not converge.
SymmetricEigen symmetric_eigen(const std::vector<double>& a, int64_t n, const char* what);

// The principal square root of the symmetric positive semi-definite f64 [n, n] `a`,
// V diag(sqrt(max(w, 0))) V^T (eigenvalues below zero come from rounding and are clamped).
Tensor symmetric_sqrt(const Tensor& a, const char* what);

}  // namespace strata::metrics::detail
