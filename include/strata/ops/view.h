#pragma once
// Views (no copy) and copies; all differentiable.
#include "strata/core/tensor.h"

namespace strata::ops {

// Same data, new shape; one dim may be -1. Throws when strides do not allow a view.
Tensor view(const Tensor& x, const Shape& shape);
// A view when possible, else a copy.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, const Shape& dims);
// Elements start, start+step, ... below end along dim (Python slice semantics: negatives, clamping).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Removes dim, keeping entry `index`.
Tensor select(const Tensor& x, int64_t dim, int64_t index);
// Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a size.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
// x itself when contiguous, else a contiguous copy.
Tensor contiguous(const Tensor& x);
Tensor clone(const Tensor& x);
// Converts the dtype (gradient flows between floating dtypes).
Tensor to_dtype(const Tensor& x, Dtype dtype);
// Shares data, cut from the graph.
Tensor detach(const Tensor& x);
// Sums `x` over broadcast dims so it has `shape` (the reverse of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);
// Zeros of `shape` with `src` written into x.slice(dim, start, end, step) (backward of slice).
Tensor slice_scatter(const Tensor& src, const Shape& shape, int64_t dim, int64_t start, int64_t end,
                     int64_t step);

}  // namespace strata::ops
