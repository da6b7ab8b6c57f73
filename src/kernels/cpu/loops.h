#pragma once
// Strided iteration over N same-shaped operands (broadcast operands have stride 0). Dimensions are
// coalesced so contiguous data becomes one long run; the inner callback sees runs with byte strides,
// which lets typed loops branch to a vectorisable contiguous body.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "strata/core/shape.h"
#include "strata/core/threading.h"

namespace strata::kernels::cpu {

template <size_t N>
struct Operands {
  std::array<char*, N> data;
  std::array<Strides, N> strides;  // in elements
  std::array<int64_t, N> element_size;
};

template <size_t N>
struct Layout {
  Shape shape;                                      // coalesced, innermost last
  std::array<std::array<int64_t, kMaxDims>, N> bs;  // byte strides per operand per dim
};

// The dims of size > 1, ordered from the largest stride of operand 0 (the output) to the smallest, so
// that a permuted dense output (e.g. channels-last) is walked in memory order and coalesces into one
// run. When operand 0 has a zero stride (it accumulates) the order is left as it is.
template <size_t N>
int64_t memory_order(const Shape& shape, const Operands<N>& ops, std::array<size_t, kMaxDims>& order) {
  int64_t nd = 0;
  bool sortable = true;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    sortable = sortable && ops.strides[0][d] > 0;
    order[static_cast<size_t>(nd++)] = d;
  }
  if (sortable) {
    const Strides& st = ops.strides[0];
    std::stable_sort(order.begin(), order.begin() + nd, [&](size_t a, size_t b) { return st[a] > st[b]; });
  }
  return nd;
}

template <size_t N>
Layout<N> coalesce(const Shape& shape, const Operands<N>& ops) {
  Layout<N> out;
  // Drop size-1 dims, order by memory, convert to bytes.
  std::array<size_t, kMaxDims> order{};
  const int64_t nd = memory_order(shape, ops, order);
  for (int64_t i = 0; i < nd; ++i) {
    const size_t d = order[static_cast<size_t>(i)];
    out.shape.push_back(shape[d]);
    for (size_t k = 0; k < N; ++k) out.bs[k][i] = ops.strides[k][d] * ops.element_size[k];
  }
  // Merge dim d into d+1 when every operand steps over d+1 exactly once per step of d.
  int64_t w = nd - 1;  // write position from the back
  if (nd > 1) {
    Shape merged;
    std::array<std::array<int64_t, kMaxDims>, N> mbs{};
    int64_t cur_size = out.shape[nd - 1];
    std::array<int64_t, N> cur_stride;
    for (size_t k = 0; k < N; ++k) cur_stride[k] = out.bs[k][nd - 1];
    std::array<int64_t, kMaxDims> sizes{};
    std::array<std::array<int64_t, kMaxDims>, N> strides{};
    int64_t count = 0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      bool can = true;
      for (size_t k = 0; k < N; ++k) can = can && out.bs[k][d] == cur_stride[k] * cur_size;
      if (can) {
        cur_size *= out.shape[d];
      } else {
        sizes[count] = cur_size;
        for (size_t k = 0; k < N; ++k) strides[k][count] = cur_stride[k];
        ++count;
        cur_size = out.shape[d];
        for (size_t k = 0; k < N; ++k) cur_stride[k] = out.bs[k][d];
      }
    }
    sizes[count] = cur_size;
    for (size_t k = 0; k < N; ++k) strides[k][count] = cur_stride[k];
    ++count;
    // Reverse into innermost-last order.
    for (int64_t i = 0; i < count; ++i) {
      merged.push_back(sizes[count - 1 - i]);
      for (size_t k = 0; k < N; ++k) mbs[k][i] = strides[k][count - 1 - i];
    }
    out.shape = merged;
    out.bs = mbs;
  }
  (void)w;
  return out;
}

// Calls inner(ptrs, byte_strides, n) over the linear element range [begin, end) of `layout`.
template <size_t N, typename Inner>
void run_range(const Layout<N>& layout, const std::array<char*, N>& base, int64_t begin, int64_t end,
               Inner& inner) {
  const int64_t nd = static_cast<int64_t>(layout.shape.size());
  std::array<int64_t, N> inner_stride;
  if (nd == 0) {
    inner_stride.fill(0);
    inner(base, inner_stride, int64_t{1});
    return;
  }
  for (size_t k = 0; k < N; ++k) inner_stride[k] = layout.bs[k][nd - 1];
  const int64_t inner_size = layout.shape[nd - 1];
  // Multi-index of `begin`.
  std::array<int64_t, kMaxDims> idx{};
  int64_t rem = begin;
  for (int64_t d = nd - 1; d >= 0; --d) {
    idx[d] = rem % layout.shape[d];
    rem /= layout.shape[d];
  }
  std::array<char*, N> ptr;
  for (size_t k = 0; k < N; ++k) {
    ptr[k] = base[k];
    for (int64_t d = 0; d < nd; ++d) ptr[k] += idx[d] * layout.bs[k][d];
  }
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(inner_size - idx[nd - 1], end - pos);
    inner(ptr, inner_stride, n);
    pos += n;
    if (pos >= end) break;
    // Advance: the inner dim is complete, carry into outer dims.
    for (size_t k = 0; k < N; ++k) ptr[k] += n * inner_stride[k] - inner_size * inner_stride[k];
    idx[nd - 1] = 0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k) ptr[k] += layout.bs[k][d];
      if (++idx[d] < layout.shape[d]) break;
      for (size_t k = 0; k < N; ++k) ptr[k] -= layout.shape[d] * layout.bs[k][d];
      idx[d] = 0;
    }
  }
}

// True when every operand is laid out densely in row-major order (size-1 dims may have any stride).
template <size_t N>
bool all_contiguous(const Shape& shape, const Operands<N>& ops) {
  int64_t expected = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) continue;
    for (size_t k = 0; k < N; ++k) {
      if (ops.strides[k][d] != expected) return false;
    }
    expected *= shape[d];
  }
  return true;
}

// True when every operand has the strides of operand 0 and those are dense (a permutation of a
// row-major array, e.g. channels-last): the elements are then one run in memory order.
template <size_t N>
bool all_same_dense(const Shape& shape, const Operands<N>& ops) {
  for (size_t k = 1; k < N; ++k) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] != 1 && ops.strides[k][d] != ops.strides[0][d]) return false;
    }
  }
  std::array<size_t, kMaxDims> order{};
  const int64_t nd = memory_order(shape, ops, order);
  int64_t expected = 1;
  for (int64_t i = nd; i-- > 0;) {
    const size_t d = order[static_cast<size_t>(i)];
    if (ops.strides[0][d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

// Iterates all elements of `shape`, in parallel when large.
template <size_t N, typename Inner>
void for_each(const Shape& shape, const Operands<N>& ops, Inner inner, int64_t grain = kElementwiseGrain) {
  const int64_t numel = shape.numel();
  if (numel == 0) return;
  const int threads = omp_get_max_threads();
  const bool serial = numel < grain || threads <= 1 || omp_in_parallel();
  if (serial && (all_contiguous(shape, ops) || all_same_dense(shape, ops))) {
    // Same-shape dense operands (most small tensors): one run, no layout analysis.
    std::array<int64_t, N> unit;
    for (size_t k = 0; k < N; ++k) unit[k] = ops.element_size[k];
    inner(ops.data, unit, numel);
    return;
  }
  const Layout<N> layout = coalesce(shape, ops);
  if (serial) {
    run_range(layout, ops.data, 0, numel, inner);
    return;
  }
  const int64_t chunks = std::min<int64_t>(threads, (numel + grain - 1) / grain);
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = numel * c / chunks;
    const int64_t e = numel * (c + 1) / chunks;
    Inner local = inner;
    run_range(layout, ops.data, b, e, local);
  }
}

}  // namespace strata::kernels::cpu
