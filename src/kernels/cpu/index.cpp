// CPU indexing kernels. Gathers and scatters walk the positions of the index with `dim` as a serial
// loop inside each strided run (loops.h), so threads split only the other dims and writes through
// repeated indices never race. Rows of contiguous tensors (index_select, embedding, cat) move with
// memcpy; data-only kernels dispatch on the element size, so every dtype is served by four loops.
#include "kernels/cpu/index.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "kernels/cpu/loops.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {
namespace {

// Calls f.template operator()<T>() with an unsigned type of dtype's size (for kernels that only move data).
template <typename F>
decltype(auto) dispatch_bytes(Dtype dtype, F&& f) {
  switch (element_size(dtype)) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    default:
      return f.template operator()<uint64_t>();
  }
}

// Geometry with 0-dim tensors seen as one element along one dim.
Shape shape_1d(const Tensor& t) { return t.dim() == 0 ? Shape{1} : t.shape(); }
Strides strides_1d(const Tensor& t) { return t.dim() == 0 ? Strides{1} : t.strides(); }

bool use_threads(int64_t work) {
  return work >= kElementwiseGrain && omp_get_max_threads() > 1 && !omp_in_parallel();
}

// The first out-of-range index seen by any thread; checked after the parallel region (throwing
// inside one would terminate).
class BadIndex {
 public:
  void record(int64_t v) {
    if (!found_.exchange(true, std::memory_order_relaxed)) value_.store(v, std::memory_order_relaxed);
  }
  void throw_if_found(const char* op, int64_t dim, int64_t bound, const Shape& shape) const {
    STRATA_CHECK(!found_.load(), "{}: index {} is out of bounds for dim {} of size {} (input shape {})", op,
                 value_.load(), dim, bound, shape.str());
  }

 private:
  std::atomic<bool> found_{false};
  std::atomic<int64_t> value_{0};
};

// Operands of a gather/scatter loop over `shape`: `a` is addressed through the index along `dim`
// (its stride there is the step per index value), `b` and the index directly.
struct IndexedLoop {
  Shape shape;
  int64_t dim = 0;
  char* a = nullptr;
  Strides a_strides;
  int64_t bound = 0;  // a's size along dim
  char* b = nullptr;
  Strides b_strides;
  const int64_t* index = nullptr;
  Strides index_strides;
};

// n steps of body(a[j * sa + index[j * si] * da], b[j * sb]); the all-unit-stride case gets its own
// loop so the compiler sees constant strides.
template <typename T, typename Body>
inline void walk(T* a, int64_t sa, int64_t da, T* b, int64_t sb, const int64_t* ix, int64_t si, int64_t n,
                 int64_t bound, BadIndex& bad, const Body& body) {
  auto in_range = [bound](int64_t v) { return static_cast<uint64_t>(v) < static_cast<uint64_t>(bound); };
  if (si == 1 && sb == 1 && da == 1) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t v = ix[j];
      if (!in_range(v)) [[unlikely]] {
        bad.record(v);
        continue;
      }
      body(a[j * sa + v], b[j]);
    }
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    const int64_t v = ix[j * si];
    if (!in_range(v)) [[unlikely]] {
      bad.record(v);
      continue;
    }
    body(a[j * sa + v * da], b[j * sb]);
  }
}

// Calls body(a[p with p[dim] = index[p]], b[p]) for every position p of loop.shape.
template <typename T, typename Body>
void run_indexed(const IndexedLoop& loop, BadIndex& bad, Body body) {
  const size_t d = static_cast<size_t>(loop.dim);
  const int64_t k_size = loop.shape[d];
  if (loop.shape.numel() == 0) return;
  Shape outer;
  Strides sa, sb, si;
  for (size_t i = 0; i < loop.shape.size(); ++i) {
    if (i == d) continue;
    outer.push_back(loop.shape[i]);
    sa.push_back(loop.a_strides[i]);
    sb.push_back(loop.b_strides[i]);
    si.push_back(loop.index_strides[i]);
  }
  const int64_t da = loop.a_strides[d], db = loop.b_strides[d], di = loop.index_strides[d];
  const int64_t bound = loop.bound;
  constexpr int64_t es = sizeof(T);
  Operands<3> ops{{loop.a, loop.b, reinterpret_cast<char*>(const_cast<int64_t*>(loop.index))},
                  {sa, sb, si},
                  {es, es, int64_t{sizeof(int64_t)}}};
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / k_size);
  auto inner = [=, &bad](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    T* a = reinterpret_cast<T*>(p[0]);
    T* b = reinterpret_cast<T*>(p[1]);
    const int64_t* ix = reinterpret_cast<const int64_t*>(p[2]);
    const int64_t sa1 = s[0] / es, sb1 = s[1] / es, si1 = s[2] / int64_t{sizeof(int64_t)};
    if (si1 == 0) {
      // One index value per run (index_select / index_add): hoist it, walk the run with unit stride
      // when possible.
      for (int64_t k = 0; k < k_size; ++k) {
        const int64_t v = ix[k * di];
        if (v < 0 || v >= bound) [[unlikely]] {
          bad.record(v);
          continue;
        }
        T* ak = a + v * da;
        T* bk = b + k * db;
        if (sa1 == 1 && sb1 == 1) {
          for (int64_t i = 0; i < n; ++i) body(ak[i], bk[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) body(ak[i * sa1], bk[i * sb1]);
        }
      }
    } else if (std::abs(di) < std::abs(si1)) {
      // dim moves faster in memory than the run: keep it innermost.
      for (int64_t i = 0; i < n; ++i) {
        walk<T>(a + i * sa1, 0, da, b + i * sb1, db, ix + i * si1, di, k_size, bound, bad, body);
      }
    } else {
      for (int64_t k = 0; k < k_size; ++k) {
        walk<T>(a, sa1, da, b + k * db, sb1, ix + k * di, si1, n, bound, bad, body);
      }
    }
  };
  for_each(outer, ops, inner, grain);
}

// Strides of a 1-D index broadcast along `dim` of an n-dim loop.
Strides index_along(const Tensor& index, size_t ndim, int64_t dim) {
  Strides s = Strides::filled(ndim, 0);
  s[static_cast<size_t>(dim)] = index.dim() == 0 ? 0 : index.strides()[0];
  return s;
}

// Throws naming `op` unless every entry of a 1-D index lies in [0, bound).
void check_index_1d(const Tensor& index, int64_t bound, const char* op, int64_t dim, const Shape& shape) {
  const int64_t* p = index.data_ptr<int64_t>();
  const int64_t st = index.dim() == 0 ? 0 : index.strides()[0];
  const int64_t n = index.numel();
  for (int64_t k = 0; k < n; ++k) {
    const int64_t v = p[k * st];
    STRATA_CHECK(v >= 0 && v < bound, "{}: index {} is out of bounds for dim {} of size {} (input shape {})",
                 op, v, dim, bound, shape.str());
  }
}

// [outer, size(dim), inner] view of a shape.
struct Split3 {
  int64_t outer = 1, mid = 1, inner = 1;
};
Split3 split3(const Shape& shape, int64_t dim) {
  Split3 s;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (i < dim) s.outer *= shape[i];
    if (i == dim) s.mid = shape[i];
    if (i > dim) s.inner *= shape[i];
  }
  return s;
}

template <typename T>
inline void copy_row(T* dst, const T* src, int64_t n) {
  if (n * int64_t{sizeof(T)} >= 64) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// A view of t's storage narrowed to [start, start + length) along dim.
Tensor narrow_view(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  Shape shape = t.shape();
  shape[static_cast<size_t>(dim)] = length;
  return Tensor(make_intrusive<TensorImpl>(t.impl()->storage, shape, t.strides(),
                                           t.offset() + start * t.strides()[static_cast<size_t>(dim)],
                                           t.dtype()));
}

}  // namespace

void cat(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim) {
  if (out.numel() == 0) return;
  const Split3 g = split3(out.shape(), dim);
  const int64_t es = static_cast<int64_t>(out.element_size());
  const int64_t row_bytes = g.mid * g.inner * es;
  // Same-dtype contiguous inputs copy one block per outer index; the rest use the strided copy.
  struct Piece {
    const char* src;
    int64_t dst_offset;  // bytes into an output row
    int64_t bytes;       // per outer index
  };
  std::vector<Piece> pieces;
  int64_t offset = 0;
  for (const Tensor& t : inputs) {
    if (t.numel() == 0) continue;  // adds nothing (0 along dim, or a skipped empty 1-D tensor)
    const int64_t n = t.shape()[static_cast<size_t>(dim)];
    if (t.dtype() == out.dtype() && t.is_contiguous()) {
      pieces.push_back({static_cast<const char*>(t.raw_data()), offset * g.inner * es, n * g.inner * es});
    } else {
      kernels::copy(narrow_view(out, dim, offset, n), t);
    }
    offset += n;
  }
  if (pieces.empty()) return;
  char* o = static_cast<char*>(out.raw_data());
  const int64_t total_bytes = out.numel() * es;
  const int threads = omp_get_max_threads();
  if (!use_threads(out.numel())) {
    for (int64_t r = 0; r < g.outer; ++r) {
      for (const Piece& p : pieces)
        std::memcpy(o + r * row_bytes + p.dst_offset, p.src + r * p.bytes, p.bytes);
    }
  } else if (g.outer >= 4 * threads) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < g.outer; ++r) {
      for (const Piece& p : pieces)
        std::memcpy(o + r * row_bytes + p.dst_offset, p.src + r * p.bytes, p.bytes);
    }
  } else {
    // Few, long blocks: cut each into parts so every thread copies a share.
    constexpr int64_t kPart = int64_t{1} << 18;
    struct Task {
      char* dst;
      const char* src;
      int64_t bytes;
    };
    std::vector<Task> tasks;
    tasks.reserve(static_cast<size_t>(total_bytes / kPart + g.outer * static_cast<int64_t>(pieces.size())));
    for (int64_t r = 0; r < g.outer; ++r) {
      for (const Piece& p : pieces) {
        for (int64_t b = 0; b < p.bytes; b += kPart) {
          tasks.push_back(
              {o + r * row_bytes + p.dst_offset + b, p.src + r * p.bytes + b, std::min(kPart, p.bytes - b)});
        }
      }
    }
    const int64_t nt = static_cast<int64_t>(tasks.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = 0; i < nt; ++i) std::memcpy(tasks[i].dst, tasks[i].src, tasks[i].bytes);
  }
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const char* op) {
  const int64_t k_size = index.numel();
  Shape out_shape = x.shape();
  if (x.dim() > 0) out_shape[static_cast<size_t>(dim)] = k_size;
  Tensor out = empty(out_shape, x.dtype(), x.device());
  const Shape xs = shape_1d(x);
  const int64_t bound = xs[static_cast<size_t>(dim)];
  check_index_1d(index, bound, op, dim, x.shape());
  if (out.numel() == 0) return out;
  const int64_t* ip = index.data_ptr<int64_t>();
  const int64_t is = index.dim() == 0 ? 0 : index.strides()[0];
  dispatch_bytes(x.dtype(), [&]<typename T>() {
    if (x.is_contiguous()) {
      // Whole rows of `inner` elements: one copy per (outer, k).
      const Split3 g = split3(xs, dim);
      const T* xp = static_cast<const T*>(x.raw_data());
      T* op_ = static_cast<T*>(out.raw_data());
      const int64_t rows = g.outer * k_size, inner = g.inner, mid = g.mid;
      auto row = [&](int64_t o, int64_t k) {
        copy_row(op_ + (o * k_size + k) * inner, xp + (o * mid + ip[k * is]) * inner, inner);
      };
      if (use_threads(rows * inner)) {
#pragma omp parallel for collapse(2) schedule(static)
        for (int64_t o = 0; o < g.outer; ++o) {
          for (int64_t k = 0; k < k_size; ++k) row(o, k);
        }
      } else {
        for (int64_t o = 0; o < g.outer; ++o) {
          for (int64_t k = 0; k < k_size; ++k) row(o, k);
        }
      }
      return;
    }
    BadIndex bad;
    IndexedLoop loop{shape_1d(out),   dim,   static_cast<char*>(x.raw_data()),
                     strides_1d(x),   bound, static_cast<char*>(out.raw_data()),
                     strides_1d(out), ip,    index_along(index, xs.size(), dim)};
    run_indexed<T>(loop, bad, [](T& a, T& b) { b = a; });
  });
  return out;
}

void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, const char* op) {
  const Shape ds = shape_1d(dst);
  const int64_t bound = ds[static_cast<size_t>(dim)];
  check_index_1d(index, bound, op, dim, dst.shape());
  if (src.numel() == 0) return;
  const int64_t* ip = index.data_ptr<int64_t>();
  const int64_t is = index.dim() == 0 ? 0 : index.strides()[0];
  const int64_t k_size = index.numel();
  dispatch_all(dst.dtype(), op, [&]<typename T>() {
    const Split3 g = split3(ds, dim);
    const int threads = omp_get_max_threads();
    if (dst.is_contiguous() && src.is_contiguous() && use_threads(g.outer * k_size * g.inner) &&
        g.outer * g.inner < 64 * threads) {
      // Few independent columns but many rows to add: each thread owns a range of destination rows and
      // applies only the indices that land there, so repeats never race.
      T* dp = static_cast<T*>(dst.raw_data());
      const T* sp = static_cast<const T*>(src.raw_data());
      const int64_t inner = g.inner, mid = g.mid;
#pragma omp parallel num_threads(static_cast <int>(std::min <int64_t>(threads, mid)))
      {
        const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int64_t r0 = mid * t / nt, r1 = mid * (t + 1) / nt;
        for (int64_t o = 0; o < g.outer; ++o) {
          for (int64_t k = 0; k < k_size; ++k) {
            const int64_t v = ip[k * is];
            if (v < r0 || v >= r1) continue;
            T* d = dp + (o * mid + v) * inner;
            const T* s = sp + (o * k_size + k) * inner;
            for (int64_t i = 0; i < inner; ++i) d[i] = static_cast<T>(d[i] + s[i]);
          }
        }
      }
      return;
    }
    BadIndex bad;
    IndexedLoop loop{shape_1d(src),   dim,   static_cast<char*>(dst.raw_data()),
                     strides_1d(dst), bound, static_cast<char*>(src.raw_data()),
                     strides_1d(src), ip,    index_along(index, ds.size(), dim)};
    run_indexed<T>(loop, bad, [](T& a, T& b) { a = static_cast<T>(a + b); });
  });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, const char* op) {
  Tensor out = empty(index.shape(), x.dtype(), x.device());
  const int64_t bound = shape_1d(x)[static_cast<size_t>(dim)];
  BadIndex bad;
  dispatch_bytes(x.dtype(), [&]<typename T>() {
    IndexedLoop loop{shape_1d(index),
                     dim,
                     static_cast<char*>(x.raw_data()),
                     strides_1d(x),
                     bound,
                     static_cast<char*>(out.raw_data()),
                     strides_1d(out),
                     index.data_ptr<int64_t>(),
                     strides_1d(index)};
    run_indexed<T>(loop, bad, [](T& a, T& b) { b = a; });
  });
  bad.throw_if_found(op, dim, bound, x.shape());
  return out;
}

void scatter_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
              const char* op) {
  const int64_t bound = shape_1d(dst)[static_cast<size_t>(dim)];
  BadIndex bad;
  auto make_loop = [&] {
    return IndexedLoop{shape_1d(index),
                       dim,
                       static_cast<char*>(dst.raw_data()),
                       strides_1d(dst),
                       bound,
                       static_cast<char*>(src.raw_data()),
                       strides_1d(src),
                       index.data_ptr<int64_t>(),
                       strides_1d(index)};
  };
  if (accumulate) {
    dispatch_all(dst.dtype(), op, [&]<typename T>() {
      run_indexed<T>(make_loop(), bad, [](T& a, T& b) { a = static_cast<T>(a + b); });
    });
  } else {
    dispatch_bytes(dst.dtype(),
                   [&]<typename T>() { run_indexed<T>(make_loop(), bad, [](T& a, T& b) { a = b; }); });
  }
  bad.throw_if_found(op, dim, bound, dst.shape());
}

void scatter_fill_(const Tensor& dst, int64_t dim, const Tensor& index, double value, const char* op) {
  const int64_t bound = shape_1d(dst)[static_cast<size_t>(dim)];
  BadIndex bad;
  dispatch_all(dst.dtype(), op, [&]<typename T>() {
    const T v = static_cast<T>(value);
    // b is unused: point it at dst with zero strides.
    const Strides zero = Strides::filled(shape_1d(index).size(), 0);
    IndexedLoop loop{shape_1d(index),
                     dim,
                     static_cast<char*>(dst.raw_data()),
                     strides_1d(dst),
                     bound,
                     static_cast<char*>(dst.raw_data()),
                     zero,
                     index.data_ptr<int64_t>(),
                     strides_1d(index)};
    run_indexed<T>(loop, bad, [v](T& a, T&) { a = v; });
  });
  bad.throw_if_found(op, dim, bound, dst.shape());
}

Tensor one_hot(const Tensor& indices, int64_t num_classes, const char* op) {
  Tensor idx = indices;
  if (!idx.is_contiguous()) {
    idx = empty(indices.shape(), kInt64, indices.device());
    kernels::copy(idx, indices);
  }
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t n = idx.numel();
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
#pragma omp parallel for reduction(min : lo) reduction(max : hi) if (use_threads(n))
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  if (n > 0) STRATA_CHECK(lo >= 0, "{}: class values must be non-negative, got {}", op, lo);
  if (num_classes < 0) {
    STRATA_CHECK(n > 0,
                 "{}: cannot infer the number of classes from an empty tensor (shape {}); pass num_classes",
                 op, indices.shape().str());
    num_classes = hi + 1;
  } else {
    STRATA_CHECK(n == 0 || hi < num_classes, "{}: class value {} is out of range for num_classes = {}", op,
                 hi, num_classes);
  }
  Shape shape = indices.shape();
  shape.push_back(num_classes);
  Tensor out = empty(shape, kInt64, indices.device());
  kernels::fill(out, 0.0);
  int64_t* o = out.data_ptr<int64_t>();
#pragma omp parallel for if (use_threads(n))
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

}  // namespace strata::kernels::cpu
