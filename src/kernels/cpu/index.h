#pragma once
// CPU implementations behind kernels/index.h.
#include "kernels/index.h"

namespace strata::kernels::cpu {

void cat(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const char* op);
void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, const char* op);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, const char* op);
void scatter_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
              const char* op);
void scatter_fill_(const Tensor& dst, int64_t dim, const Tensor& index, double value, const char* op);
Tensor one_hot(const Tensor& indices, int64_t num_classes, const char* op);

}  // namespace strata::kernels::cpu
