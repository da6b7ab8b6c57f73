#pragma once
// CPU implementations behind kernels/segment.h.
#include "kernels/segment.h"

namespace strata::kernels::cpu {

Tensor segment_reduce(const Tensor& src, const Tensor& ptr, SegmentReduce reduce, const char* op);
Tensor csr_matmul(const Tensor& crow, const Tensor& col, const Tensor& values, const Tensor& dense,
                  const char* op);
std::pair<Tensor, Tensor> segment_sort(const Tensor& index, int64_t num_segments, const char* op);

}  // namespace strata::kernels::cpu
