// Segment reductions and CSR products on the CPU.
//
// Plan: every output row (a segment, or a sparse row) belongs to exactly one thread, which walks that row's
// inputs in their stored order with a contiguous, vectorisable inner loop over the feature dim. Work is
// split over output rows with a static schedule; because no two threads ever add into the same row and the
// order of additions within a row is fixed by the CSR layout, the bits of the result do not depend on the
// thread count. Counting sort (stable) gives that layout from an unsorted index in O(n + segments).
#include "kernels/cpu/segment.h"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/dispatch.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::kernels::cpu {
namespace {

// Rows of work below which a loop stays serial.
constexpr int64_t kGrain = 1 << 14;

int threads_for(int64_t work) {
  if (omp_in_parallel() || work < kGrain) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), work / kGrain)));
}

// Checks ptr is a valid [segments + 1] offset array ending at `rows`.
void check_ptr(const int64_t* p, int64_t segments, int64_t rows, const char* op) {
  STRATA_CHECK(p[0] == 0, "{}: segment offsets must start at 0, got {}", op, p[0]);
  for (int64_t s = 0; s < segments; ++s)
    STRATA_CHECK(p[s + 1] >= p[s], "{}: segment offsets must not decrease, got {} then {} at segment {}", op,
                 p[s], p[s + 1], s);
  STRATA_CHECK(p[segments] == rows, "{}: segment offsets end at {} but there are {} rows", op, p[segments],
               rows);
}

}  // namespace

Tensor segment_reduce(const Tensor& src_in, const Tensor& ptr_in, SegmentReduce reduce, const char* op) {
  const Tensor src = src_in.contiguous();
  const Tensor ptr = ptr_in.contiguous();
  const int64_t rows = src.size(0);
  const int64_t segments = ptr.numel() - 1;
  const int64_t inner = rows == 0 ? 1 : src.numel() / rows;
  Shape out_shape = src.shape();
  out_shape[0] = segments;
  Tensor out = zeros(out_shape, {.dtype = src.dtype(), .device = src.device()});
  const int64_t* p = ptr.data_ptr<int64_t>();
  check_ptr(p, segments, rows, op);
  if (out.numel() == 0) return out;
  dispatch_floating(src.dtype(), op, [&]<typename T>() {
    const T* s = src.data_ptr<T>();
    T* o = out.data_ptr<T>();
#pragma omp parallel for num_threads(threads_for(src.numel())) schedule(static)
    for (int64_t seg = 0; seg < segments; ++seg) {
      const int64_t b = p[seg], e = p[seg + 1];
      if (b == e) continue;
      T* dst = o + seg * inner;
      if (reduce == SegmentReduce::Max) {
        std::copy(s + b * inner, s + (b + 1) * inner, dst);
        for (int64_t r = b + 1; r < e; ++r) {
          const T* row = s + r * inner;
          // NaN propagates, as in PyTorch's amax.
          for (int64_t i = 0; i < inner; ++i)
            dst[i] = (row[i] > dst[i] || row[i] != row[i]) ? row[i] : dst[i];
        }
      } else {
        for (int64_t r = b; r < e; ++r) {
          const T* row = s + r * inner;
          for (int64_t i = 0; i < inner; ++i) dst[i] += row[i];
        }
        if (reduce == SegmentReduce::Mean) {
          const T n = static_cast<T>(e - b);
          for (int64_t i = 0; i < inner; ++i) dst[i] /= n;
        }
      }
    }
  });
  return out;
}

Tensor csr_matmul(const Tensor& crow_in, const Tensor& col_in, const Tensor& values_in,
                  const Tensor& dense_in, const char* op) {
  const Tensor crow = crow_in.contiguous(), col = col_in.contiguous();
  const Tensor values = values_in.contiguous(), dense = dense_in.contiguous();
  const int64_t rows = crow.numel() - 1, nnz = col.numel(), cols = dense.size(0), f = dense.size(1);
  const int64_t* p = crow.data_ptr<int64_t>();
  const int64_t* c = col.data_ptr<int64_t>();
  check_ptr(p, rows, nnz, op);
  for (int64_t k = 0; k < nnz; ++k)
    STRATA_CHECK(c[k] >= 0 && c[k] < cols, "{}: column index {} at entry {} is out of range for {} columns",
                 op, c[k], k, cols);
  Tensor out = zeros({rows, f}, {.dtype = dense.dtype(), .device = dense.device()});
  if (out.numel() == 0) return out;
  dispatch_floating(dense.dtype(), op, [&]<typename T>() {
    const T* v = values.data_ptr<T>();
    const T* d = dense.data_ptr<T>();
    T* o = out.data_ptr<T>();
#pragma omp parallel for num_threads(threads_for(nnz* f)) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      T* dst = o + r * f;
      for (int64_t k = p[r]; k < p[r + 1]; ++k) {
        const T w = v[k];
        const T* row = d + c[k] * f;
        for (int64_t i = 0; i < f; ++i) dst[i] += w * row[i];
      }
    }
  });
  return out;
}

std::pair<Tensor, Tensor> segment_sort(const Tensor& index_in, int64_t num_segments, const char* op) {
  const Tensor index = index_in.contiguous();
  const int64_t n = index.numel();
  const int64_t* ix = index.data_ptr<int64_t>();
  Tensor ptr = zeros({num_segments + 1}, {.dtype = kInt64});
  Tensor perm = empty({n}, {.dtype = kInt64});
  int64_t* p = ptr.data_ptr<int64_t>();
  int64_t* q = perm.data_ptr<int64_t>();
  for (int64_t k = 0; k < n; ++k) {
    STRATA_CHECK(ix[k] >= 0 && ix[k] < num_segments,
                 "{}: index {} at position {} is out of range for {} segments", op, ix[k], k, num_segments);
    ++p[ix[k] + 1];
  }
  for (int64_t s = 0; s < num_segments; ++s) p[s + 1] += p[s];
  std::vector<int64_t> next(p, p + num_segments);
  for (int64_t k = 0; k < n; ++k) q[next[static_cast<size_t>(ix[k])]++] = k;
  return {perm, ptr};
}

}  // namespace strata::kernels::cpu
