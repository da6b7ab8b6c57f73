// Sparse matrices and segment reductions. Forward passes run the segment kernels (one thread per output row,
// fixed order: deterministic); backward rules are written with ops (index_select, segment reductions, spmm on
// the transpose), so they run on any device and differentiate again.
#include "strata/ops/sparse.h"

#include <vector>

#include "autograd/saved_output.h"
#include "kernels/segment.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;

kernels::SegmentReduce to_kernel(Reduce r) {
  switch (r) {
    case Reduce::Sum:
      return kernels::SegmentReduce::Sum;
    case Reduce::Mean:
      return kernels::SegmentReduce::Mean;
    case Reduce::Max:
      return kernels::SegmentReduce::Max;
  }
  STRATA_FAIL("reduce: unknown reduction");
}

void check_index(const Tensor& index, const char* op) {
  STRATA_CHECK(index.defined(), "{}: undefined index", op);
  STRATA_CHECK(index.dtype() == kInt64 && index.dim() == 1, "{}: index must be 1-D i64, got {} of shape {}",
               op, dtype_name(index.dtype()), index.shape().str());
}

void check_src(const Tensor& src, int64_t rows, const char* op) {
  STRATA_CHECK(src.defined(), "{}: undefined src", op);
  STRATA_CHECK(src.is_floating_point(), "{}: src must be floating point, got {}", op,
               dtype_name(src.dtype()));
  STRATA_CHECK(src.dim() >= 1 && src.size(0) == rows,
               "{}: src of shape {} must have {} rows in dim 0 (one per index entry)", op, src.shape().str(),
               rows);
}

// The per-segment row counts as src's dtype, shaped [segments, 1, ...] to broadcast against a result of
// `rank`.
Tensor counts(const Segments& seg, Dtype dtype, int64_t rank, bool at_least_one) {
  const Tensor c = sub(slice(seg.ptr, 0, 1, seg.num_segments + 1), slice(seg.ptr, 0, 0, seg.num_segments));
  Tensor f = to_dtype(c, dtype);
  if (at_least_one) f = clamp(f, 1.0, std::nullopt);
  Shape s(std::vector<int64_t>(static_cast<size_t>(rank), 1));
  s[0] = seg.num_segments;
  return reshape(f, s);
}

// Rows of x (per segment) repeated onto the sorted rows.
Tensor expand_rows(const Tensor& x, const Segments& seg) { return index_select(x, 0, seg.ids); }

// Rows of src in segment order.
Tensor sorted(const Tensor& src, const Segments& seg) {
  return seg.identity ? src : index_select(src, 0, seg.perm);
}

}  // namespace

Reduce reduce_from_string(const std::string& name, const char* op) {
  if (name == "sum" || name == "add") return Reduce::Sum;
  if (name == "mean") return Reduce::Mean;
  if (name == "max") return Reduce::Max;
  STRATA_FAIL("{}: unknown reduction '{}' (choices: sum, add, mean, max)", op, name);
}

std::string to_string(Reduce reduce) {
  switch (reduce) {
    case Reduce::Sum:
      return "sum";
    case Reduce::Mean:
      return "mean";
    case Reduce::Max:
      return "max";
  }
  return "?";
}

Segments make_segments(const Tensor& index, int64_t num_segments, const char* op) {
  check_index(index, op);
  STRATA_CHECK(num_segments >= 0, "{}: num_segments must be >= 0, got {}", op, num_segments);
  STRATA_CHECK(index.device().is_cpu(),
               "{}: index must be on the CPU (the segment plan is built there), got {}", op,
               index.device().str());
  Segments seg;
  seg.num_segments = num_segments;
  std::tie(seg.perm, seg.ptr) = kernels::segment_sort(index, num_segments, op);
  const int64_t n = index.numel();
  const int64_t* q = seg.perm.data_ptr<int64_t>();
  seg.identity = true;
  for (int64_t k = 0; k < n && seg.identity; ++k) seg.identity = q[k] == k;
  // ids: the segment of each sorted row, from the run starts.
  seg.ids = empty({n}, {.dtype = kInt64});
  int64_t* id = seg.ids.data_ptr<int64_t>();
  const int64_t* p = seg.ptr.data_ptr<int64_t>();
  for (int64_t s = 0; s < num_segments; ++s)
    for (int64_t k = p[s]; k < p[s + 1]; ++k) id[k] = s;
  return seg;
}

Tensor segment_reduce(const Tensor& src, const Segments& seg, Reduce reduce) {
  check_src(src, seg.ids.numel(), "segment_reduce");
  Tensor out = kernels::segment_reduce(src, seg.ptr, to_kernel(reduce), "segment_reduce");
  switch (reduce) {
    case Reduce::Sum:
      // Each row fed one segment's sum: its gradient is that segment's.
      return autograd::record("segment_reduce_sum", out, {src},
                              [seg](const Tensor& g) { return Grads{expand_rows(g, seg)}; });
    case Reduce::Mean:
      return autograd::record("segment_reduce_mean", out, {src}, [seg](const Tensor& g) {
        return Grads{expand_rows(div(g, counts(seg, g.dtype(), g.dim(), true)), seg)};
      });
    case Reduce::Max:
      // The gradient goes to the rows equal to their segment's max, split evenly among ties (PyTorch's amax).
      return autograd::record_with_output(
          "segment_reduce_max", out, {src}, [seg, src](const Tensor& g, const Tensor& y) {
            const Tensor hit = to_dtype(eq(src, expand_rows(y, seg)), g.dtype());
            const Tensor ties = clamp(segment_reduce(hit, seg, Reduce::Sum), 1.0, std::nullopt);
            return Grads{mul(hit, expand_rows(div(g, ties), seg))};
          });
  }
  return out;
}

Tensor scatter_reduce(const Tensor& src, const Segments& seg, Reduce reduce) {
  check_src(src, seg.perm.numel(), "scatter_reduce");
  return segment_reduce(sorted(src, seg), seg, reduce);
}

Tensor scatter_reduce(const Tensor& src, const Tensor& index, int64_t dim_size, Reduce reduce) {
  check_index(index, "scatter_reduce");
  check_src(src, index.numel(), "scatter_reduce");
  return scatter_reduce(src, make_segments(index, dim_size, "scatter_reduce"), reduce);
}

Tensor segment_softmax(const Tensor& src, const Segments& seg) {
  check_src(src, seg.perm.numel(), "segment_softmax");
  // Written with differentiable ops; the max is a constant shift (no gradient), as in a dense softmax.
  const Tensor s = sorted(src, seg);
  const Tensor shift = expand_rows(segment_reduce(detach(s), seg, Reduce::Max), seg);
  const Tensor e = exp(sub(s, shift));
  const Tensor z = expand_rows(segment_reduce(e, seg, Reduce::Sum), seg);
  const Tensor out_sorted = div(e, z);
  if (seg.identity) return out_sorted;
  // Back to the original row order: the inverse permutation is an index_add of the sorted rows.
  return index_add(zeros_like(out_sorted), 0, seg.perm, out_sorted);
}

Tensor segment_softmax(const Tensor& src, const Tensor& index, int64_t num_segments) {
  check_index(index, "segment_softmax");
  check_src(src, index.numel(), "segment_softmax");
  return segment_softmax(src, make_segments(index, num_segments, "segment_softmax"));
}

SparseCOO sparse_coo(const Tensor& indices, const Tensor& values, int64_t rows, int64_t cols) {
  STRATA_CHECK(indices.defined() && values.defined(), "sparse_coo: undefined indices or values");
  STRATA_CHECK(indices.dtype() == kInt64 && indices.dim() == 2 && indices.size(0) == 2,
               "sparse_coo: indices must be i64 of shape [2, nnz], got {} of shape {}",
               dtype_name(indices.dtype()), indices.shape().str());
  STRATA_CHECK(values.is_floating_point() && values.dim() == 1 && values.size(0) == indices.size(1),
               "sparse_coo: values must be floating [nnz] with nnz = {}, got {} of shape {}", indices.size(1),
               dtype_name(values.dtype()), values.shape().str());
  STRATA_CHECK(rows >= 0 && cols >= 0, "sparse_coo: negative size {}x{}", rows, cols);
  const Tensor ix = indices.contiguous();
  const int64_t* p = ix.data_ptr<int64_t>();
  const int64_t nnz = indices.size(1);
  for (int64_t k = 0; k < nnz; ++k)
    STRATA_CHECK(p[k] >= 0 && p[k] < rows && p[nnz + k] >= 0 && p[nnz + k] < cols,
                 "sparse_coo: entry {} at ({}, {}) is outside the {}x{} matrix", k, p[k], p[nnz + k], rows,
                 cols);
  return {ix, values, rows, cols};
}

SparseCSR to_csr(const SparseCOO& a) {
  const Segments seg = make_segments(select(a.indices, 0, 0).contiguous(), a.rows, "to_csr");
  return {seg.ptr, index_select(select(a.indices, 0, 1), 0, seg.perm), sorted(a.values, seg), a.rows, a.cols};
}

SparseCOO to_coo(const SparseCSR& a) {
  const int64_t nnz = a.col_indices.numel();
  Tensor row = empty({nnz}, {.dtype = kInt64});
  int64_t* r = row.data_ptr<int64_t>();
  const Tensor crow = a.crow_indices.contiguous();
  const int64_t* p = crow.data_ptr<int64_t>();
  for (int64_t s = 0; s < a.rows; ++s)
    for (int64_t k = p[s]; k < p[s + 1]; ++k) r[k] = s;
  return {stack({row, a.col_indices.contiguous()}), a.values, a.rows, a.cols};
}

SparseCSR transpose(const SparseCSR& a) {
  const SparseCOO c = to_coo(a);
  return to_csr({stack({select(c.indices, 0, 1), select(c.indices, 0, 0)}), c.values, a.cols, a.rows});
}

Tensor to_dense(const SparseCOO& a) {
  const int64_t nnz = a.indices.size(1);
  const Tensor ix = a.indices.contiguous();
  const int64_t* p = ix.data_ptr<int64_t>();
  Tensor flat = empty({nnz}, {.dtype = kInt64});
  int64_t* f = flat.data_ptr<int64_t>();
  for (int64_t k = 0; k < nnz; ++k) f[k] = p[k] * a.cols + p[nnz + k];
  const Tensor z = zeros({a.rows * a.cols}, {.dtype = a.values.dtype(), .device = a.values.device()});
  return reshape(index_add(z, 0, flat, a.values), {a.rows, a.cols});
}

Tensor spmm(const SparseCSR& a, const Tensor& dense) {
  STRATA_CHECK(dense.defined() && a.values.defined(), "spmm: undefined operand");
  STRATA_CHECK(dense.dim() == 2 && dense.size(0) == a.cols,
               "spmm: sparse {}x{} times dense of shape {}: the dense matrix must be 2-D with {} rows",
               a.rows, a.cols, dense.shape().str(), a.cols);
  STRATA_CHECK(dense.dtype() == a.values.dtype(), "spmm: values dtype {} must match dense dtype {}",
               dtype_name(a.values.dtype()), dtype_name(dense.dtype()));
  STRATA_CHECK(a.crow_indices.numel() == a.rows + 1 && a.col_indices.numel() == a.values.numel(),
               "spmm: CSR of {} rows needs {} row offsets (got {}) and as many columns as values ({} vs {})",
               a.rows, a.rows + 1, a.crow_indices.numel(), a.col_indices.numel(), a.values.numel());
  Tensor out = kernels::csr_matmul(a.crow_indices, a.col_indices, a.values, dense, "spmm");
  return autograd::record("spmm", out, {a.values, dense}, [a, dense](const Tensor& g) {
    // d values[k] = <g[row k], dense[col k]>; d dense = A^T g.
    const SparseCOO c = to_coo(a);
    const Tensor gv = a.values.requires_grad() ? sum(mul(index_select(g, 0, select(c.indices, 0, 0)),
                                                         index_select(dense, 0, select(c.indices, 0, 1))),
                                                     {1})
                                               : Tensor();
    const Tensor gd = dense.requires_grad() ? spmm(transpose(a), g) : Tensor();
    return Grads{gv, gd};
  });
}

Tensor spmm(const SparseCOO& a, const Tensor& dense) { return spmm(to_csr(a), dense); }

}  // namespace strata::ops
