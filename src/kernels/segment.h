#pragma once
// Segment kernels for sparse and graph ops: reductions over runs of rows sorted by segment (CSR order), and
// sparse (CSR) times dense products. No autograd, any device. Each output row is computed by one thread in
// the stored row order, so results are bitwise identical at any thread count (no atomics, no races).
#include "strata/core/tensor.h"

namespace strata::kernels {

// How a segment's rows combine.
enum class SegmentReduce { Sum, Mean, Max };

// out[s] = reduce(src[ptr[s] .. ptr[s+1]]) over dim 0 of src (contiguous trailing dims); empty segments are
// 0. ptr: i64 [num_segments + 1], non-decreasing from 0 to src.size(0).
Tensor segment_reduce(const Tensor& src, const Tensor& ptr, SegmentReduce reduce, const char* op);
// out[r] = sum_{k in crow[r] .. crow[r+1]} values[k] * dense[col[k]] (dense 2-D, out [rows, dense.size(1)]).
Tensor csr_matmul(const Tensor& crow, const Tensor& col, const Tensor& values, const Tensor& dense,
                  const char* op);
// Stable counting sort of `index` (i64 [n], values in [0, num_segments)): perm (sorted position -> original
// position) and ptr ([num_segments + 1] run starts). Throws naming `op` on an index out of range.
std::pair<Tensor, Tensor> segment_sort(const Tensor& index, int64_t num_segments, const char* op);

}  // namespace strata::kernels
