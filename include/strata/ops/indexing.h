#pragma once
// Joining, splitting, gathering and scattering.
#include <vector>

#include "strata/core/tensor.h"

namespace strata::ops {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Pieces of `split_size` along dim (the last may be smaller); views.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
// Pieces of the given sizes along dim; views.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// Entries of x along dim at `index` (1-D i64).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// x with src rows added at `index` along dim (accumulating repeats).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// out[i][j] = x[index[i][j]][j] for dim 0 (and so on), index i64 with x's rank.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Copy of x with src written at index along dim.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, double value);
// Copy of x with src added at index along dim.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// x with `value` where mask (u8, broadcastable) is nonzero.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// i64 indices -> i64 one-hot with a trailing dim of num_classes (inferred as max+1 when negative).
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
// Rows of weight [num, dim] at indices (any shape, i64) -> [..., dim].
Tensor embedding(const Tensor& indices, const Tensor& weight);
// Constant padding; `pads` lists (before, after) pairs starting from the last dim, like PyTorch.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value = 0.0);

}  // namespace strata::ops
