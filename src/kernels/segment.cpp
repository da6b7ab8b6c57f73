// Device dispatch for segment kernels.
#include "kernels/segment.h"

#include "kernels/cpu/segment.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor segment_reduce(const Tensor& src, const Tensor& ptr, SegmentReduce reduce, const char* op) {
  if (src.device().is_cpu() && ptr.device().is_cpu()) return cpu::segment_reduce(src, ptr, reduce, op);
  unsupported_device(op, src.device().is_cpu() ? ptr.device() : src.device());
}

Tensor csr_matmul(const Tensor& crow, const Tensor& col, const Tensor& values, const Tensor& dense,
                  const char* op) {
  if (crow.device().is_cpu() && col.device().is_cpu() && values.device().is_cpu() && dense.device().is_cpu())
    return cpu::csr_matmul(crow, col, values, dense, op);
  unsupported_device(op, dense.device().is_cpu() ? values.device() : dense.device());
}

std::pair<Tensor, Tensor> segment_sort(const Tensor& index, int64_t num_segments, const char* op) {
  if (index.device().is_cpu()) return cpu::segment_sort(index, num_segments, op);
  unsupported_device(op, index.device());
}

}  // namespace strata::kernels
