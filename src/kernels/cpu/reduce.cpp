// CPU reductions. The input is viewed as [M kept, R reduced]: when reduced elements are contiguous each
// output reduces one run (vectorised); when the reduced dims lead a contiguous tensor, whole rows are
// accumulated into the output (vectorised across outputs); otherwise the permuted view is copied first.
#include "kernels/cpu/reduce.h"

#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename A>
A identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return A(0);
    case ReduceOp::Prod:
      return A(1);
    case ReduceOp::Max:
      return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                  : std::numeric_limits<A>::lowest();
    case ReduceOp::Min:
      return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                                  : std::numeric_limits<A>::max();
  }
  return A(0);
}

template <typename A>
inline A combine(ReduceOp op, A a, A b) {
  switch (op) {
    case ReduceOp::Sum:
      return a + b;
    case ReduceOp::Prod:
      return a * b;
    case ReduceOp::Max:
      if constexpr (std::is_floating_point_v<A>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<A>::quiet_NaN();
      }
      return a > b ? a : b;
    case ReduceOp::Min:
      if constexpr (std::is_floating_point_v<A>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<A>::quiet_NaN();
      }
      return a < b ? a : b;
  }
  return a;
}

// Reduces one contiguous run of n elements.
template <typename T>
Acc<T> reduce_run(ReduceOp op, const T* p, int64_t n) {
  using A = Acc<T>;
  if (op == ReduceOp::Sum) {
    A acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < n; ++i) acc += static_cast<A>(p[i]);
    return acc;
  }
  A acc = identity<A>(op);
  for (int64_t i = 0; i < n; ++i) acc = combine<A>(op, acc, static_cast<A>(p[i]));
  return acc;
}

// out[m] = reduce(x[m * R .. m * R + R)) for contiguous x.
template <typename T>
void reduce_inner(ReduceOp op, const T* x, T* out, int64_t M, int64_t R) {
  const int threads = omp_get_max_threads();
  if (M == 1 && R >= 2 * kElementwiseGrain && threads > 1 && !omp_in_parallel()) {
    // One output: split the run, then combine the partial results.
    std::vector<Acc<T>> partial(threads, identity<Acc<T>>(op));
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t b = R * t / nt, e = R * (t + 1) / nt;
      partial[t] = reduce_run(op, x + b, e - b);
    }
    Acc<T> acc = identity<Acc<T>>(op);
    for (auto v : partial) acc = combine(op, acc, v);
    out[0] = static_cast<T>(acc);
    return;
  }
  const bool parallel = M * R >= kElementwiseGrain && M > 1 && threads > 1 && !omp_in_parallel();
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t m = 0; m < M; ++m) out[m] = static_cast<T>(reduce_run(op, x + m * R, R));
}

// out[j] = reduce over r of x[r * M + j] for contiguous x (reduced dims lead).
template <typename T>
void reduce_outer(ReduceOp op, const T* x, T* out, int64_t R, int64_t M) {
  using A = Acc<T>;
  const int threads = omp_get_max_threads();
  const bool parallel = M * R >= kElementwiseGrain && M >= 64 && threads > 1 && !omp_in_parallel();
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (M + kBlock - 1) / kBlock;
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t bi = 0; bi < blocks; ++bi) {
    const int64_t j0 = bi * kBlock, j1 = std::min(M, j0 + kBlock);
    A acc[kBlock];
    for (int64_t j = j0; j < j1; ++j) acc[j - j0] = identity<A>(op);
    for (int64_t r = 0; r < R; ++r) {
      const T* row = x + r * M;
      if (op == ReduceOp::Sum) {
#pragma omp simd
        for (int64_t j = j0; j < j1; ++j) acc[j - j0] += static_cast<A>(row[j]);
      } else {
        for (int64_t j = j0; j < j1; ++j) acc[j - j0] = combine<A>(op, acc[j - j0], static_cast<A>(row[j]));
      }
    }
    for (int64_t j = j0; j < j1; ++j) out[j] = static_cast<T>(acc[j - j0]);
  }
}

Tensor view_of(const Tensor& t, const Shape& shape, const Strides& strides) {
  return Tensor(make_intrusive<TensorImpl>(t.impl()->storage, shape, strides, t.offset(), t.dtype()));
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim) {
  const int64_t nd = x.dim();
  std::array<bool, kMaxDims> reduced{};
  if (dims.empty()) {
    reduced.fill(true);
  } else {
    for (int64_t d : dims) reduced[d] = true;
  }
  Shape kept_shape, out_keep_shape, perm_shape;
  Strides perm_strides;
  int64_t M = 1, R = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[d]) {
      kept_shape.push_back(x.shape()[d]);
      perm_shape.push_back(x.shape()[d]);
      perm_strides.push_back(x.strides()[d]);
      out_keep_shape.push_back(x.shape()[d]);
      M *= x.shape()[d];
    } else {
      out_keep_shape.push_back(1);
    }
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (reduced[d]) {
      perm_shape.push_back(x.shape()[d]);
      perm_strides.push_back(x.strides()[d]);
      R *= x.shape()[d];
    }
  }
  if (R == 0 && (op == ReduceOp::Max || op == ReduceOp::Min)) {
    STRATA_FAIL("{}: cannot reduce over a dimension of size 0 (shape {})",
                op == ReduceOp::Max ? "max" : "min", x.shape().str());
  }
  Tensor out = empty(keepdim ? out_keep_shape : kept_shape, x.dtype(), x.device());
  if (M == 0) return out;

  // Leading reduced block of a contiguous tensor: accumulate rows.
  bool leading = x.is_contiguous();
  if (leading) {
    bool seen_kept = false;
    for (int64_t d = 0; d < nd; ++d) {
      if (!reduced[d]) seen_kept = true;
      if (reduced[d] && seen_kept && x.shape()[d] != 1) leading = false;
    }
  }
  Tensor xp = view_of(x, perm_shape, perm_strides);
  dispatch_all(x.dtype(), "reduce", [&]<typename T>() {
    T* o = out.data_ptr<T>();
    if (R == 0) {
      for (int64_t m = 0; m < M; ++m) o[m] = static_cast<T>(identity<Acc<T>>(op));
    } else if (xp.is_contiguous()) {
      reduce_inner<T>(op, xp.data_ptr<T>(), o, M, R);
    } else if (leading) {
      reduce_outer<T>(op, x.data_ptr<T>(), o, R, M);
    } else {
      Tensor c = empty(perm_shape, x.dtype(), x.device());
      copy(c, xp);
      reduce_inner<T>(op, c.data_ptr<T>(), o, M, R);
    }
  });
  return out;
}

}  // namespace strata::kernels::cpu
