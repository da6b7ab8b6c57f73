// CPU softmax over one dim of a contiguous tensor viewed as [A, R, B] (non-contiguous inputs are copied
// first). B == 1, the usual last-dim case: each row takes three tight vectorised passes (max; exp and
// sum; scale) and rows are spread over threads. B > 1: blocks of neighbouring columns go through the
// same passes together, so the loops vectorise across columns.
#include "kernels/cpu/softmax.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

constexpr int64_t kBlock = 256;  // columns handled together when the softmax dim is not innermost

template <typename T>
T row_max(const T* x, int64_t n) {
  // Independent lanes so the select vectorises (NaNs are left to the exp pass, which spreads them).
  constexpr int64_t kLanes = 64 / sizeof(T);
  T lane[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) lane[l] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) lane[l] = x[i + l] > lane[l] ? x[i + l] : lane[l];
  }
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t l = 0; l < kLanes; ++l) m = lane[l] > m ? lane[l] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

template <typename T, bool kLog>
void softmax_row(const T* x, T* y, int64_t n) {
  const T m = row_max(x, n);
  T s = 0;
  if constexpr (kLog) {
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += vexp(static_cast<T>(x[i] - m));
    // (x - max) - log(sum) keeps precision when the max is large.
    const T ls = std::log(s);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) {
      const T e = vexp(static_cast<T>(x[i] - m));
      y[i] = e;
      s += e;
    }
    const T inv = T(1) / s;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

// Columns b0..b0+nb of one [R, B] slab.
template <typename T, bool kLog>
void softmax_columns(const T* x, T* y, int64_t R, int64_t B, int64_t b0, int64_t nb) {
  T mx[kBlock], s[kBlock];
  for (int64_t j = 0; j < nb; ++j) {
    mx[j] = -std::numeric_limits<T>::infinity();
    s[j] = 0;
  }
  for (int64_t r = 0; r < R; ++r) {
    const T* row = x + r * B + b0;
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) mx[j] = row[j] > mx[j] ? row[j] : mx[j];
  }
  for (int64_t r = 0; r < R; ++r) {
    const T* row = x + r * B + b0;
    T* out = y + r * B + b0;
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) {
      const T e = vexp(static_cast<T>(row[j] - mx[j]));
      if constexpr (!kLog) out[j] = e;
      s[j] += e;
    }
  }
  if constexpr (kLog) {
    for (int64_t j = 0; j < nb; ++j) s[j] = std::log(s[j]);
    for (int64_t r = 0; r < R; ++r) {
      const T* row = x + r * B + b0;
      T* out = y + r * B + b0;
#pragma omp simd
      for (int64_t j = 0; j < nb; ++j) out[j] = (row[j] - mx[j]) - s[j];
    }
  } else {
    for (int64_t j = 0; j < nb; ++j) s[j] = T(1) / s[j];
    for (int64_t r = 0; r < R; ++r) {
      T* out = y + r * B + b0;
#pragma omp simd
      for (int64_t j = 0; j < nb; ++j) out[j] *= s[j];
    }
  }
}

template <typename T, bool kLog>
void softmax_typed(const T* x, T* y, int64_t A, int64_t R, int64_t B, bool parallel) {
  if (B == 1) {
#pragma omp parallel for if (parallel && A > 1) schedule(static)
    for (int64_t a = 0; a < A; ++a) softmax_row<T, kLog>(x + a * R, y + a * R, R);
    return;
  }
  const int64_t nblk = (B + kBlock - 1) / kBlock, units = A * nblk;
#pragma omp parallel for if (parallel && units > 1) schedule(static)
  for (int64_t u = 0; u < units; ++u) {
    const int64_t a = u / nblk, b0 = (u % nblk) * kBlock;
    softmax_columns<T, kLog>(x + a * R * B, y + a * R * B, R, B, b0, std::min(kBlock, B - b0));
  }
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  Tensor out = empty(x.shape(), x.dtype(), x.device());
  if (x.numel() == 0) return out;
  Tensor xc = x;
  if (!x.is_contiguous()) {
    xc = empty(x.shape(), x.dtype(), x.device());
    copy(xc, x);
  }
  int64_t A = 1, R = 1, B = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < dim) A *= x.shape()[d];
    if (d == dim) R = x.shape()[d];
    if (d > dim) B *= x.shape()[d];
  }
  const bool parallel = x.numel() >= kElementwiseGrain && omp_get_max_threads() > 1 && !omp_in_parallel();
  dispatch_floating(x.dtype(), op, [&]<typename T>() {
    const T* xp = xc.data_ptr<T>();
    T* yp = out.data_ptr<T>();
    if (log) {
      softmax_typed<T, true>(xp, yp, A, R, B, parallel);
    } else {
      softmax_typed<T, false>(xp, yp, A, R, B, parallel);
    }
  });
  return out;
}

}  // namespace strata::kernels::cpu
