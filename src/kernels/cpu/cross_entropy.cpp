// CPU fused softmax cross-entropy. Forward: one pass per row for the max, one for the sum of exps, and the
// row's loss from its log-sum-exp. Backward: one pass writing (exp(x - lse) - onehot) * g. Rows are
// spread over threads when the logits are large.
#include "kernels/cpu/cross_entropy.h"

#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

Tensor dense(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = empty(x.shape(), x.dtype(), x.device());
  copy(out, x);
  return out;
}

bool parallel(int64_t numel) {
  return numel >= kElementwiseGrain && omp_get_max_threads() > 1 && !omp_in_parallel();
}

template <typename T>
T row_lse(const T* x, int64_t c) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t j = 0; j < c; ++j) m = x[j] > m ? x[j] : m;
  if (std::isinf(m)) return m;  // all -inf (lse -inf) or an inf logit (lse inf); NaNs pass below
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < c; ++j) s += vexp(static_cast<T>(x[j] - m));
  return m + std::log(s);
}

}  // namespace

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, bool reduce, double scale) {
  const Tensor x = dense(logits);
  const Tensor t = dense(target);
  const int64_t n = x.size(0), c = x.size(1);
  CrossEntropyForward out;
  out.lse = empty({n}, x.dtype(), x.device());
  Tensor rows = empty({n}, x.dtype(), x.device());
  dispatch_floating(x.dtype(), "cross_entropy", [&]<typename T>() {
    const T* xp = x.data_ptr<T>();
    const int64_t* tp = t.data_ptr<int64_t>();
    T* lp = out.lse.data_ptr<T>();
    T* rp = rows.data_ptr<T>();
#pragma omp parallel for if (parallel(n * c)) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const T* row = xp + i * c;
      lp[i] = row_lse(row, c);
      rp[i] = lp[i] - row[tp[i]];
    }
    if (reduce) {
      // Summed in order in double: the result does not depend on the thread count.
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += static_cast<double>(rp[i]);
      out.loss = empty({}, x.dtype(), x.device());
      *out.loss.data_ptr<T>() = static_cast<T>(s * scale);
    } else {
      if (scale != 1.0) {
        for (int64_t i = 0; i < n; ++i) rp[i] = static_cast<T>(rp[i] * scale);
      }
      out.loss = rows;
    }
  });
  return out;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse,
                              const Tensor& grad, double scale) {
  const Tensor x = dense(logits);
  const Tensor t = dense(target);
  const Tensor g = dense(grad.dtype() == x.dtype() ? grad : [&] {
    Tensor cast = empty(grad.shape(), x.dtype(), x.device());
    copy(cast, grad);
    return cast;
  }());
  const int64_t n = x.size(0), c = x.size(1);
  Tensor out = empty(x.shape(), x.dtype(), x.device());
  const bool per_row = g.numel() != 1 || g.dim() == 1;
  dispatch_floating(x.dtype(), "cross_entropy", [&]<typename T>() {
    const T* xp = x.data_ptr<T>();
    const int64_t* tp = t.data_ptr<int64_t>();
    const T* lp = lse.data_ptr<T>();
    const T* gp = g.data_ptr<T>();
    T* op = out.data_ptr<T>();
#pragma omp parallel for if (parallel(n * c)) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const T* row = xp + i * c;
      T* orow = op + i * c;
      const T gi = static_cast<T>((per_row ? gp[i] : gp[0]) * scale);
      const T l = lp[i];
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) orow[j] = vexp(static_cast<T>(row[j] - l)) * gi;
      orow[tp[i]] -= gi;
    }
  });
  return out;
}

}  // namespace strata::kernels::cpu
