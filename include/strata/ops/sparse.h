#pragma once
// Sparse matrices (COO and CSR) and segment reductions: the building blocks of message passing on graphs.
// Reductions group rows by an index over dim 0 (a node per row) and run as sorted segment reductions (CSR
// by target), so they are deterministic: the same bits at any thread count.
#include <string>

#include "strata/core/tensor.h"

namespace strata::ops {

// How rows that share an index combine: PyG's aggr / torch.scatter_reduce's reduce ("sum", "mean", "max").
enum class Reduce { Sum, Mean, Max };

// Reduce from its name ("sum" or "add", "mean", "max"); throws naming `op` and the choices otherwise.
Reduce reduce_from_string(const std::string& name, const char* op = "reduce");
// The name of `reduce` ("sum", "mean", "max").
std::string to_string(Reduce reduce);

// An index grouped into runs: the rows of each segment in their original order (a stable sort).
struct Segments {
  Tensor ptr;   // i64 [num_segments + 1]: segment s holds sorted rows ptr[s] .. ptr[s+1]
  Tensor perm;  // i64 [n]: sorted position -> original row
  Tensor ids;   // i64 [n]: the segment of each sorted row
  int64_t num_segments = 0;
  bool identity = false;  // true when the index was already sorted (perm is 0, 1, ..., n-1)
};

// Groups `index` (1-D i64, values in [0, num_segments)) into segments; throws naming `op` on a bad index.
Segments make_segments(const Tensor& index, int64_t num_segments, const char* op = "make_segments");

// out[s] = reduce over rows ptr[s] .. ptr[s+1] of `src` (already in segment order); empty segments give 0.
Tensor segment_reduce(const Tensor& src, const Segments& segments, Reduce reduce);
// PyG's scatter along dim 0: out[i] = reduce of the rows k of src with index[k] == i, out.size(0) =
// dim_size; rows with no entries are 0. Matches torch.scatter_reduce(zeros, 0, index, src,
// include_self=False).
Tensor scatter_reduce(const Tensor& src, const Tensor& index, int64_t dim_size, Reduce reduce);
// Same with the index already grouped (reuse one Segments for many reductions over the same edges).
Tensor scatter_reduce(const Tensor& src, const Segments& segments, Reduce reduce);
// Softmax of src over the rows that share an index (PyG's softmax(src, index)): for each segment and each
// trailing position, exp(src - max) / sum exp(src - max). src: [n] or [n, ...].
Tensor segment_softmax(const Tensor& src, const Tensor& index, int64_t num_segments);
Tensor segment_softmax(const Tensor& src, const Segments& segments);

// A sparse matrix in coordinate format: entry k is values[k] at (indices[0][k], indices[1][k]); repeated
// coordinates add up.
struct SparseCOO {
  Tensor indices;  // i64 [2, nnz]
  Tensor values;   // floating [nnz] (may require grad)
  int64_t rows = 0;
  int64_t cols = 0;
};

// A sparse matrix in compressed sparse row format.
struct SparseCSR {
  Tensor crow_indices;  // i64 [rows + 1]
  Tensor col_indices;   // i64 [nnz]
  Tensor values;        // floating [nnz] (may require grad)
  int64_t rows = 0;
  int64_t cols = 0;
};

// Checks shapes and dtypes of a COO matrix; throws naming `op`.
SparseCOO sparse_coo(const Tensor& indices, const Tensor& values, int64_t rows, int64_t cols);
// The CSR form of `a` (rows sorted stably; values follow, differentiably).
SparseCSR to_csr(const SparseCOO& a);
// The COO form of `a`.
SparseCOO to_coo(const SparseCSR& a);
// The transpose of `a` (values follow, differentiably).
SparseCSR transpose(const SparseCSR& a);
// The dense [rows, cols] matrix (differentiable in the values).
Tensor to_dense(const SparseCOO& a);
// Sparse times dense: [rows, cols] x [cols, f] -> [rows, f] (torch.sparse.mm); differentiable in the sparse
// values and the dense matrix.
Tensor spmm(const SparseCSR& a, const Tensor& dense);
Tensor spmm(const SparseCOO& a, const Tensor& dense);

}  // namespace strata::ops
