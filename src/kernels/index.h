#pragma once
// Indexing kernels (joining, gathering, scattering): no autograd, any device. Index tensors are i64;
// an index out of range throws strata::Error naming `op`, the value and the bound. Shapes are checked
// by the ops; kernels trust them.
#include <vector>

#include "strata/core/tensor.h"

namespace strata::kernels {

// Writes `inputs` one after another along dim into `out` (contiguous), converting dtypes. Inputs
// with no elements are skipped.
void cat(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim);
// out[.., k, ..] = x[.., index[k], ..] along dim (index 1-D); out is new and contiguous.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const char* op);
// dst[.., index[k], ..] += src[.., k, ..] along dim, in place (repeats accumulate); dst and src
// share a dtype.
void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, const char* op);
// out[p] = x[p with p[dim] replaced by index[p]] for every position p of index's shape.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, const char* op);
// dst[p with p[dim] replaced by index[p]] = src[p] (or += when `accumulate`) for every p of
// index's shape, in place; dst and src share a dtype.
void scatter_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
              const char* op);
// Same with a constant in place of src.
void scatter_fill_(const Tensor& dst, int64_t dim, const Tensor& index, double value, const char* op);
// i64 one-hot rows with a trailing dim of num_classes (inferred as max + 1 when negative).
Tensor one_hot(const Tensor& indices, int64_t num_classes, const char* op);

}  // namespace strata::kernels
