// Symmetric eigendecomposition by LAPACK's divide-and-conquer dsyevd (OpenBLAS bundles LAPACK). LAPACK is
// column-major; a symmetric matrix is its own transpose, so the row-major input passes as is, and the
// column-major eigenvector matrix it returns is transposed back to row-major.
#include "symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/linalg.h"

extern "C" {
// LAPACK's dsyevd (Fortran calling convention: every argument by pointer, string lengths appended).
void dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
             double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t jobz_len,
             size_t uplo_len);
}

namespace strata::metrics::detail {

SymmetricEigen symmetric_eigen(const std::vector<double>& a, int64_t n, const char* what) {
  STRATA_CHECK(n >= 0 && static_cast<int64_t>(a.size()) == n * n,
               "{}: a symmetric matrix of {}x{} needs {} values, got {}", what, n, n, n * n, a.size());
  SymmetricEigen out;
  if (n == 0) return out;
  std::vector<double> m = a;  // dsyevd overwrites its input with the eigenvectors
  out.values.resize(static_cast<size_t>(n));
  const int nn = static_cast<int>(n);
  const char jobz = 'V', uplo = 'U';  // row-major lower triangle = column-major upper triangle
  int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0;
  dsyevd_(&jobz, &uplo, &nn, m.data(), &nn, out.values.data(), &work_query, &lwork, &iwork_query, &liwork,
          &info, 1, 1);
  STRATA_CHECK(info == 0, "{}: LAPACK dsyevd workspace query failed (info {})", what, info);
  lwork = static_cast<int>(work_query);
  liwork = iwork_query;
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  std::vector<int> iwork(static_cast<size_t>(std::max(liwork, 1)));
  dsyevd_(&jobz, &uplo, &nn, m.data(), &nn, out.values.data(), work.data(), &lwork, iwork.data(), &liwork,
          &info, 1, 1);
  STRATA_CHECK(
      info == 0,
      "{}: the eigendecomposition of a {}x{} symmetric matrix did not converge (LAPACK dsyevd info {})", what,
      n, n, info);
  for (const double v : out.values)
    STRATA_CHECK(std::isfinite(v), "{}: the {}x{} matrix has non-finite eigenvalues (NaN or inf features?)",
                 what, n, n);
  out.vectors.resize(m.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      out.vectors[static_cast<size_t>(i * n + j)] = m[static_cast<size_t>(j * n + i)];
  return out;
}

Tensor symmetric_sqrt(const Tensor& a, const char* what) {
  const int64_t n = a.size(0);
  const SymmetricEigen e = symmetric_eigen(a.contiguous().to_vector<double>(), n, what);
  std::vector<double> scaled = e.vectors;  // V diag(sqrt(w))
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < n; ++k)
      scaled[static_cast<size_t>(i * n + k)] *= std::sqrt(std::max(e.values[static_cast<size_t>(k)], 0.0));
  const Tensor v = from_vector(e.vectors, {n, n});
  return ops::matmul(from_vector(scaled, {n, n}), v.t());
}

}  // namespace strata::metrics::detail
