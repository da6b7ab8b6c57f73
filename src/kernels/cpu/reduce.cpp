// CPU reductions. Each reduction is first planned over the input's memory order: a dense tensor whose
// kept and reduced dims form the blocks [kept][reduced][kept] or [reduced][kept][reduced] (any block may be
// missing) is read in place; anything else is copied once into [kept, reduced] order. A reduction is a
// small policy (init / run over a contiguous run / column update across outputs / merge / finish) and
// one engine applies it to the plan:
//  - runs: each output reduces contiguous runs (vectorised along the run); outputs go to threads, and a
//    few long outputs are split across threads and merged in order;
//  - columns: reduced elements sit `B` apart, so a block of neighbouring outputs is updated one input row
//    at a time (vectorised across outputs); blocks go to threads, or rows when there are few outputs.
#include "kernels/cpu/reduce.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v != v;
  } else {
    (void)v;
    return false;
  }
}

// The larger (kMax) or smaller of acc and v; NaN wins and then sticks. `|`, not `||`: a short-circuit
// would be control flow around a (trapping) float compare, which GCC will not if-convert or vectorise.
template <bool kMax, typename T>
inline T pick(T acc, T v) {
  if constexpr (kMax) {
    return ((v > acc) | is_nan(v)) ? v : acc;
  } else {
    return ((v < acc) | is_nan(v)) ? v : acc;
  }
}

// Sum of f(p[i]) over a run with independent accumulators, so the additions pipeline and vectorise
// (a single accumulator is bound by the add latency).
template <typename A, typename T, typename F>
inline A lane_sum(const T* p, int64_t n, F f) {
  constexpr int64_t kLanes = 16;
  A lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) lane[l] += f(p[i + l]);
  }
  A acc = 0;
  for (; i < n; ++i) acc += f(p[i]);
  for (int64_t l = 0; l < kLanes; ++l) acc += lane[l];
  return acc;
}

template <bool kMax, typename T>
T extreme_identity() {
  if constexpr (std::numeric_limits<T>::has_infinity) {
    return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  } else {
    return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
}

// Max/min of a contiguous run starting from acc. An OpenMP max/min reduction vectorises (a select that
// propagates NaN would not); NaN is tracked by a separate flag.
template <bool kMax, typename T>
T extreme_run(const T* p, int64_t n, T acc) {
  if (is_nan(acc)) return acc;
  T m = acc;
  int nan = 0;
  if constexpr (kMax) {
#pragma omp simd reduction(max : m) reduction(| : nan)
    for (int64_t i = 0; i < n; ++i) {
      const T v = p[i];
      m = v > m ? v : m;
      nan |= static_cast<int>(is_nan(v));
    }
  } else {
#pragma omp simd reduction(min : m) reduction(| : nan)
    for (int64_t i = 0; i < n; ++i) {
      const T v = p[i];
      m = v < m ? v : m;
      nan |= static_cast<int>(is_nan(v));
    }
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (nan) return std::numeric_limits<T>::quiet_NaN();
  }
  return m;
}

// ---- plans ----------------------------------------------------------------------------------------

struct Plan {
  int64_t M = 1;  // outputs
  int64_t N = 1;  // elements reduced into each output
  bool columns = false;
  // Runs: output m reduces nruns runs of run_len elements at m * out_step + k * run_stride.
  int64_t out_step = 0, nruns = 1, run_stride = 0, run_len = 1;
  // Columns: element r of output a * B + b sits at (a * N + r) * B + b.
  int64_t A = 1, B = 1;
};

struct Prepared {
  Plan plan;
  Tensor src;  // what the plan reads: x itself or a contiguous copy
  Shape out_shape;
};

Plan runs_plan(int64_t M, int64_t N) {
  Plan p;
  p.M = M;
  p.N = N;
  p.out_step = N;
  p.run_len = N;
  return p;
}

Plan columns_plan(int64_t A, int64_t N, int64_t B) {
  Plan p;
  p.columns = true;
  p.M = A * B;
  p.N = N;
  p.A = A;
  p.B = B;
  return p;
}

// Plans a read of x in place when x is dense in some dim order and the blocks fit.
bool plan_in_place(const Tensor& x, const std::array<bool, kMaxDims>& reduced, Plan& plan) {
  const Shape& shape = x.shape();
  const Strides& strides = x.strides();
  std::array<int64_t, kMaxDims> order{};
  int64_t n = 0;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (shape[d] != 1) order[n++] = d;
  }
  std::stable_sort(order.begin(), order.begin() + n,
                   [&](int64_t a, int64_t b) { return strides[a] > strides[b]; });
  int64_t expect = 1;
  for (int64_t i = n - 1; i >= 0; --i) {
    if (strides[order[i]] != expect) return false;
    expect *= shape[order[i]];
  }
  // Kept dims must keep their output order so that outputs are written contiguously.
  std::array<int64_t, kMaxDims> size{};
  std::array<bool, kMaxDims> red{};
  int64_t nb = 0, last_kept = -1;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = order[i];
    if (!reduced[d]) {
      if (d < last_kept) return false;
      last_kept = d;
    }
    if (nb > 0 && red[nb - 1] == reduced[d]) {
      size[nb - 1] *= shape[d];
    } else {
      red[nb] = reduced[d];
      size[nb] = shape[d];
      ++nb;
    }
  }
  if (nb == 0) {
    plan = runs_plan(1, 1);
  } else if (nb == 1) {
    plan = red[0] ? runs_plan(1, size[0]) : columns_plan(1, 1, size[0]);
  } else if (nb == 2) {
    plan = red[0] ? columns_plan(1, size[0], size[1]) : runs_plan(size[0], size[1]);
  } else if (nb == 3 && !red[0]) {
    plan = columns_plan(size[0], size[1], size[2]);
  } else if (nb == 3) {
    plan = runs_plan(size[1], size[0] * size[2]);
    plan.out_step = size[2];
    plan.nruns = size[0];
    plan.run_stride = size[1] * size[2];
    plan.run_len = size[2];
  } else {
    return false;
  }
  return true;
}

Tensor view_of(const Tensor& t, const Shape& shape, const Strides& strides) {
  return Tensor(make_intrusive<TensorImpl>(t.impl()->storage, shape, strides, t.offset(), t.dtype()));
}

Prepared prepare(const Tensor& x, const Shape& dims, bool keepdim) {
  const int64_t nd = x.dim();
  std::array<bool, kMaxDims> reduced{};
  if (dims.empty()) {
    reduced.fill(true);
  } else {
    for (int64_t d : dims) reduced[d] = true;
  }
  Prepared pr;
  Shape kept_shape, perm_shape;
  Strides perm_strides;
  int64_t M = 1, N = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[d]) {
      kept_shape.push_back(x.shape()[d]);
      perm_shape.push_back(x.shape()[d]);
      perm_strides.push_back(x.strides()[d]);
      pr.out_shape.push_back(x.shape()[d]);
      M *= x.shape()[d];
    } else {
      pr.out_shape.push_back(1);
    }
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (reduced[d]) {
      perm_shape.push_back(x.shape()[d]);
      perm_strides.push_back(x.strides()[d]);
      N *= x.shape()[d];
    }
  }
  if (!keepdim) pr.out_shape = kept_shape;
  pr.src = x;
  if (M * N == 0) {
    // Nothing to read: M outputs (maybe none) of the identity.
    pr.plan = runs_plan(M, N);
    pr.plan.nruns = 0;
  } else if (!plan_in_place(x, reduced, pr.plan)) {
    pr.src = empty(perm_shape, x.dtype(), x.device());
    copy(pr.src, view_of(x, perm_shape, perm_strides));
    pr.plan = runs_plan(M, N);
  }
  return pr;
}

// ---- the engine ---------------------------------------------------------------------------------
// A policy P provides:
//   using T, State;  State init(m);  run(State&, const T* p, n, m, pos)  (p[0..n) are reduction positions
//   pos..pos+n of output m);  column(State* s, const T* row, nb, m0, r)  (element r of outputs m0..m0+nb);
//   merge(State& a, const State& b)  (b covers later positions);  finish(m, const State&).

template <typename P>
void execute(const P& pol, const typename P::T* base, const Plan& pl) {
  using T = typename P::T;
  using State = typename P::State;
  const int threads = omp_get_max_threads();
  const bool parallel = pl.M * pl.N >= kElementwiseGrain && threads > 1 && !omp_in_parallel();

  if (!pl.columns) {
    auto reduce_range = [&](int64_t m, int64_t lo, int64_t hi, State& s) {
      const T* p = base + m * pl.out_step;
      int64_t k = lo / pl.run_len, off = lo % pl.run_len;
      while (lo < hi) {
        const int64_t n = std::min(pl.run_len - off, hi - lo);
        pol.run(s, p + k * pl.run_stride + off, n, m, lo);
        lo += n;
        ++k;
        off = 0;
      }
    };
    auto whole = [&](int64_t m) {
      State s = pol.init(m);
      if (pl.nruns > 0) reduce_range(m, 0, pl.N, s);
      pol.finish(m, s);
    };
    if (!parallel) {
      for (int64_t m = 0; m < pl.M; ++m) whole(m);
    } else if (pl.M >= threads || pl.N < 2 * kElementwiseGrain) {
#pragma omp parallel for schedule(static)
      for (int64_t m = 0; m < pl.M; ++m) whole(m);
    } else {
      // A few long outputs: split each one across the threads, then merge the parts in order.
      std::vector<State> part(threads);
      for (int64_t m = 0; m < pl.M; ++m) {
        int used = threads;
#pragma omp parallel num_threads(threads)
        {
          const int t = omp_get_thread_num(), nt = omp_get_num_threads();
          if (t == 0) used = nt;
          part[t] = pol.init(m);
          reduce_range(m, pl.N * t / nt, pl.N * (t + 1) / nt, part[t]);
        }
        State s = part[0];
        for (int t = 1; t < used; ++t) pol.merge(s, part[t]);
        pol.finish(m, s);
      }
    }
    return;
  }

  constexpr int64_t kBlock = 256;
  const int64_t nblk = (pl.B + kBlock - 1) / kBlock, units = pl.A * nblk;
  // Rows r0..r1 of unit u (block of outputs), updating st (the states of the unit's first output on).
  auto columns = [&](int64_t u, int64_t r0, int64_t r1, State* st) {
    const int64_t a = u / nblk, b0 = (u % nblk) * kBlock, nb = std::min(kBlock, pl.B - b0);
    const int64_t m0 = a * pl.B + b0;
    for (int64_t r = r0; r < r1; ++r) pol.column(st, base + (a * pl.N + r) * pl.B + b0, nb, m0, r);
  };
  auto unit = [&](int64_t u) {
    const int64_t b0 = (u % nblk) * kBlock, nb = std::min(kBlock, pl.B - b0);
    const int64_t m0 = (u / nblk) * pl.B + b0;
    State st[kBlock];
    for (int64_t j = 0; j < nb; ++j) st[j] = pol.init(m0 + j);
    columns(u, 0, pl.N, st);
    for (int64_t j = 0; j < nb; ++j) pol.finish(m0 + j, st[j]);
  };
  constexpr int64_t kSplitMaxOutputs = 1 << 14;
  if (!parallel) {
    for (int64_t u = 0; u < units; ++u) unit(u);
  } else if (units >= threads || pl.M > kSplitMaxOutputs) {
#pragma omp parallel for schedule(static)
    for (int64_t u = 0; u < units; ++u) unit(u);
  } else {
    // Few outputs with long columns: each thread reduces a range of rows for every output.
    std::vector<State> part(static_cast<size_t>(threads * pl.M));
    int used = threads;
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      if (t == 0) used = nt;
      State* st = part.data() + t * pl.M;
      for (int64_t m = 0; m < pl.M; ++m) st[m] = pol.init(m);
      const int64_t r0 = pl.N * t / nt, r1 = pl.N * (t + 1) / nt;
      for (int64_t u = 0; u < units; ++u) {
        const int64_t m0 = (u / nblk) * pl.B + (u % nblk) * kBlock;
        columns(u, r0, r1, st + m0);
      }
    }
    for (int64_t m = 0; m < pl.M; ++m) {
      State s = part[m];
      for (int t = 1; t < used; ++t) pol.merge(s, part[t * pl.M + m]);
      pol.finish(m, s);
    }
  }
}

// ---- policies -----------------------------------------------------------------------------------

template <typename T_>
struct SumPolicy {
  using T = T_;
  using State = Acc<T>;
  T* out;
  State init(int64_t) const { return State(0); }
  void run(State& s, const T* p, int64_t n, int64_t, int64_t) const {
    s += lane_sum<State>(p, n, [](T v) { return static_cast<State>(v); });
  }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t) const {
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) s[j] += static_cast<State>(row[j]);
  }
  void merge(State& a, const State& b) const { a += b; }
  void finish(int64_t m, const State& s) const { out[m] = static_cast<T>(s); }
};

// The sum divided in f64 before rounding (an empty mean is 0 / 0 = NaN, like PyTorch).
template <typename T_>
struct MeanPolicy : SumPolicy<T_> {
  int64_t count = 1;
  void finish(int64_t m, const typename SumPolicy<T_>::State& s) const {
    this->out[m] = static_cast<T_>(s / static_cast<double>(count));
  }
};

template <typename T_>
struct ProdPolicy {
  using T = T_;
  using State = Acc<T>;
  T* out;
  State init(int64_t) const { return State(1); }
  void run(State& s, const T* p, int64_t n, int64_t, int64_t) const {
    State acc = 1;
#pragma omp simd reduction(* : acc)
    for (int64_t i = 0; i < n; ++i) acc *= static_cast<State>(p[i]);
    s *= acc;
  }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t) const {
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) s[j] *= static_cast<State>(row[j]);
  }
  void merge(State& a, const State& b) const { a *= b; }
  void finish(int64_t m, const State& s) const { out[m] = static_cast<T>(s); }
};

template <typename T_, bool kMax>
struct ExtremePolicy {
  using T = T_;
  using State = T;
  T* out;
  State init(int64_t) const { return extreme_identity<kMax, T>(); }
  void run(State& s, const T* p, int64_t n, int64_t, int64_t) const { s = extreme_run<kMax>(p, n, s); }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t) const {
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) s[j] = pick<kMax>(s[j], row[j]);
  }
  void merge(State& a, const State& b) const { a = pick<kMax>(a, b); }
  void finish(int64_t m, const State& s) const { out[m] = s; }
};

// Position of the first element equal to e (or the first NaN when e is NaN), which must be present.
// Blocks are tested without early exit, so the test vectorises; only the hit block is scanned.
template <typename T>
int64_t first_index(const T* p, int64_t n, T e) {
  constexpr int64_t kChunk = 64;
  const bool want_nan = is_nan(e);
  int64_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    int hit = 0;
    for (int64_t l = 0; l < kChunk; ++l) {
      const T v = p[i + l];
      hit |= static_cast<int>(want_nan ? is_nan(v) : v == e);
    }
    if (hit) break;
  }
  while (want_nan ? !is_nan(p[i]) : p[i] != e) ++i;
  return i;
}

template <typename T_, bool kMax>
struct ArgPolicy {
  using T = T_;
  struct State {
    T v = T(0);
    int64_t i = -1;  // -1: nothing seen yet
  };
  T* values;
  int64_t* indices;
  static bool better(T v, const State& s) {
    if (s.i < 0) return true;
    if (is_nan(s.v)) return false;
    return is_nan(v) || (kMax ? v > s.v : v < s.v);
  }
  State init(int64_t) const { return {}; }
  void run(State& s, const T* p, int64_t n, int64_t, int64_t pos) const {
    if (n <= 0) return;
    // Vectorised extreme first, then the first position holding it.
    const T e = extreme_run<kMax>(p + 1, n - 1, p[0]);
    if (!better(e, s)) return;
    s = {e, pos + first_index(p, n, e)};
  }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t r) const {
    for (int64_t j = 0; j < nb; ++j) {
      if (better(row[j], s[j])) s[j] = {row[j], r};
    }
  }
  void merge(State& a, const State& b) const {
    if (b.i >= 0 && better(b.v, a)) a = b;
  }
  void finish(int64_t m, const State& s) const {
    values[m] = s.v;
    indices[m] = s.i;
  }
};

// Pass 1 of var: per-output means in f64.
template <typename T_>
struct MeanOnlyPolicy {
  using T = T_;
  using State = double;
  double* mean;
  int64_t count;
  State init(int64_t) const { return 0.0; }
  void run(State& s, const T* p, int64_t n, int64_t, int64_t) const {
    s += lane_sum<double>(p, n, [](T v) { return static_cast<double>(v); });
  }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t) const {
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) s[j] += static_cast<double>(row[j]);
  }
  void merge(State& a, const State& b) const { a += b; }
  void finish(int64_t m, const State& s) const { mean[m] = s / static_cast<double>(count); }
};

// Pass 2 of var: squared deviations from the mean.
template <typename T_>
struct SquaredDeviationPolicy {
  using T = T_;
  using State = double;
  const double* mean;
  T* out;
  double denom;
  bool take_sqrt;
  State init(int64_t) const { return 0.0; }
  void run(State& s, const T* p, int64_t n, int64_t m, int64_t) const {
    const double c = mean[m];
    s += lane_sum<double>(p, n, [c](T v) {
      const double d = static_cast<double>(v) - c;
      return d * d;
    });
  }
  void column(State* s, const T* row, int64_t nb, int64_t m0, int64_t) const {
    const double* c = mean + m0;
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) {
      const double d = static_cast<double>(row[j]) - c[j];
      s[j] += d * d;
    }
  }
  void merge(State& a, const State& b) const { a += b; }
  void finish(int64_t m, const State& s) const {
    const double v = s / denom;
    out[m] = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
  }
};

// Pass 2 of logsumexp: sum of exp(x - shift) with the per-output shift from pass 1.
template <typename T_>
struct SumExpPolicy {
  using T = T_;
  using State = double;
  const T* shift;
  T* out;
  State init(int64_t) const { return 0.0; }
  void run(State& s, const T* p, int64_t n, int64_t m, int64_t) const {
    const T c = shift[m];
    double acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(vexp(static_cast<T>(p[i] - c)));
    s += acc;
  }
  void column(State* s, const T* row, int64_t nb, int64_t m0, int64_t) const {
    const T* c = shift + m0;
#pragma omp simd
    for (int64_t j = 0; j < nb; ++j) s[j] += static_cast<double>(vexp(static_cast<T>(row[j] - c[j])));
  }
  void merge(State& a, const State& b) const { a += b; }
  void finish(int64_t m, const State& s) const {
    out[m] = static_cast<T>(std::log(s) + static_cast<double>(shift[m]));
  }
};

enum class NormKind { L0, L1, L2, Inf, NegInf, General };

template <typename T_, NormKind K>
struct NormPolicy {
  using T = T_;
  using State = double;
  T* out;
  double p;
  static double term(T v) {
    const double a = std::abs(static_cast<double>(v));
    if constexpr (K == NormKind::L0) {
      return v != T(0) ? 1.0 : 0.0;
    } else if constexpr (K == NormKind::L2) {
      return a * a;
    } else {
      return a;
    }
  }
  State init(int64_t) const { return K == NormKind::NegInf ? std::numeric_limits<double>::infinity() : 0.0; }
  void run(State& s, const T* x, int64_t n, int64_t, int64_t) const {
    if constexpr (K == NormKind::Inf || K == NormKind::NegInf) {
      for (int64_t i = 0; i < n; ++i) s = pick<K == NormKind::Inf>(s, term(x[i]));
    } else if constexpr (K == NormKind::General) {
      for (int64_t i = 0; i < n; ++i) s += std::pow(term(x[i]), p);
    } else {
      s += lane_sum<double>(x, n, term);
    }
  }
  void column(State* s, const T* row, int64_t nb, int64_t, int64_t) const {
    if constexpr (K == NormKind::Inf || K == NormKind::NegInf) {
      for (int64_t j = 0; j < nb; ++j) s[j] = pick<K == NormKind::Inf>(s[j], term(row[j]));
    } else if constexpr (K == NormKind::General) {
      for (int64_t j = 0; j < nb; ++j) s[j] += std::pow(term(row[j]), p);
    } else {
#pragma omp simd
      for (int64_t j = 0; j < nb; ++j) s[j] += term(row[j]);
    }
  }
  void merge(State& a, const State& b) const {
    if constexpr (K == NormKind::Inf || K == NormKind::NegInf) {
      a = pick<K == NormKind::Inf>(a, b);
    } else {
      a += b;
    }
  }
  void finish(int64_t m, const State& s) const {
    if constexpr (K == NormKind::L2) {
      out[m] = static_cast<T>(std::sqrt(s));
    } else if constexpr (K == NormKind::General) {
      out[m] = static_cast<T>(std::pow(s, 1.0 / p));
    } else {
      out[m] = static_cast<T>(s);
    }
  }
};

const char* extreme_name(ReduceOp op) { return op == ReduceOp::Max ? "max" : "min"; }

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim) {
  const Prepared pr = prepare(x, dims, keepdim);
  const Plan& pl = pr.plan;
  if (pl.N == 0 && (op == ReduceOp::Max || op == ReduceOp::Min)) {
    STRATA_FAIL("{}: cannot reduce over an empty dimension (shape {})", extreme_name(op), x.shape().str());
  }
  Tensor out = empty(pr.out_shape, x.dtype(), x.device());
  if (pl.M == 0) return out;
  dispatch_all(x.dtype(), "reduce", [&]<typename T>() {
    const T* base = pr.src.data_ptr<T>();
    T* o = out.data_ptr<T>();
    switch (op) {
      case ReduceOp::Sum:
        execute(SumPolicy<T>{o}, base, pl);
        break;
      case ReduceOp::Mean:
        if constexpr (std::is_floating_point_v<T>) {
          MeanPolicy<T> pol;
          pol.out = o;
          pol.count = pl.N;
          execute(pol, base, pl);
        } else {
          unsupported_dtype("mean", x.dtype());
        }
        break;
      case ReduceOp::Prod:
        execute(ProdPolicy<T>{o}, base, pl);
        break;
      case ReduceOp::Max:
        execute(ExtremePolicy<T, true>{o}, base, pl);
        break;
      case ReduceOp::Min:
        execute(ExtremePolicy<T, false>{o}, base, pl);
        break;
    }
  });
  return out;
}

std::pair<Tensor, Tensor> arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim) {
  STRATA_CHECK(op == ReduceOp::Max || op == ReduceOp::Min, "arg_reduce: op must be Max or Min");
  const Prepared pr = prepare(x, x.dim() == 0 ? Shape{} : Shape{dim}, keepdim);
  const Plan& pl = pr.plan;
  STRATA_CHECK(pl.N > 0, "{}: cannot reduce over an empty dimension (shape {}, dim {})", extreme_name(op),
               x.shape().str(), dim);
  Tensor values = empty(pr.out_shape, x.dtype(), x.device());
  Tensor indices = empty(pr.out_shape, kInt64, x.device());
  if (pl.M == 0) return {values, indices};
  dispatch_all(x.dtype(), "arg_reduce", [&]<typename T>() {
    const T* base = pr.src.data_ptr<T>();
    if (op == ReduceOp::Max) {
      execute(ArgPolicy<T, true>{values.data_ptr<T>(), indices.data_ptr<int64_t>()}, base, pl);
    } else {
      execute(ArgPolicy<T, false>{values.data_ptr<T>(), indices.data_ptr<int64_t>()}, base, pl);
    }
  });
  return {values, indices};
}

Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim, bool take_sqrt) {
  const Prepared pr = prepare(x, dims, keepdim);
  const Plan& pl = pr.plan;
  Tensor out = empty(pr.out_shape, x.dtype(), x.device());
  if (pl.M == 0) return out;
  dispatch_floating(x.dtype(), take_sqrt ? "std" : "var", [&]<typename T>() {
    const T* base = pr.src.data_ptr<T>();
    std::vector<double> mean(static_cast<size_t>(pl.M));
    execute(MeanOnlyPolicy<T>{mean.data(), pl.N}, base, pl);
    const double denom = std::max(0.0, static_cast<double>(pl.N) - correction);
    execute(SquaredDeviationPolicy<T>{mean.data(), out.data_ptr<T>(), denom, take_sqrt}, base, pl);
  });
  return out;
}

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  const Prepared pr = prepare(x, dims, keepdim);
  const Plan& pl = pr.plan;
  Tensor out = empty(pr.out_shape, x.dtype(), x.device());
  if (pl.M == 0) return out;
  dispatch_floating(x.dtype(), "logsumexp", [&]<typename T>() {
    const T* base = pr.src.data_ptr<T>();
    std::vector<T> shift(static_cast<size_t>(pl.M));
    execute(ExtremePolicy<T, true>{shift.data()}, base, pl);
    // An infinite max (all -inf, or some +inf) must not be subtracted: inf - inf is NaN.
    for (T& s : shift) s = std::isinf(s) ? T(0) : s;
    execute(SumExpPolicy<T>{shift.data(), out.data_ptr<T>()}, base, pl);
  });
  return out;
}

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  const Prepared pr = prepare(x, dims, keepdim);
  const Plan& pl = pr.plan;
  if (std::isinf(p)) {
    STRATA_CHECK(pl.N > 0, "norm: the {}-norm of an empty reduction is undefined (shape {})",
                 p > 0 ? "inf" : "-inf", x.shape().str());
  }
  Tensor out = empty(pr.out_shape, x.dtype(), x.device());
  if (pl.M == 0) return out;
  dispatch_floating(x.dtype(), "norm", [&]<typename T>() {
    const T* base = pr.src.data_ptr<T>();
    T* o = out.data_ptr<T>();
    if (p == 0) {
      execute(NormPolicy<T, NormKind::L0>{o, p}, base, pl);
    } else if (p == 1) {
      execute(NormPolicy<T, NormKind::L1>{o, p}, base, pl);
    } else if (p == 2) {
      execute(NormPolicy<T, NormKind::L2>{o, p}, base, pl);
    } else if (std::isinf(p)) {
      if (p > 0) {
        execute(NormPolicy<T, NormKind::Inf>{o, p}, base, pl);
      } else {
        execute(NormPolicy<T, NormKind::NegInf>{o, p}, base, pl);
      }
    } else {
      execute(NormPolicy<T, NormKind::General>{o, p}, base, pl);
    }
  });
  return out;
}

}  // namespace strata::kernels::cpu
