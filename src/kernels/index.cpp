// Device dispatch for indexing kernels.
#include "kernels/index.h"

#include "kernels/cpu/index.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

void cat(const Tensor& out, const std::vector<Tensor>& inputs, int64_t dim) {
  for (const Tensor& t : inputs) {
    if (t.device() != out.device()) unsupported_device("cat", t.device());
  }
  if (out.device().is_cpu()) return cpu::cat(out, inputs, dim);
  unsupported_device("cat", out.device());
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, const char* op) {
  if (x.device().is_cpu() && index.device().is_cpu()) return cpu::index_select(x, dim, index, op);
  unsupported_device(op, x.device().is_cpu() ? index.device() : x.device());
}

void index_add_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, const char* op) {
  if (dst.device().is_cpu() && index.device().is_cpu() && src.device().is_cpu()) {
    return cpu::index_add_(dst, dim, index, src, op);
  }
  unsupported_device(
      op, dst.device().is_cpu() ? (index.device().is_cpu() ? src.device() : index.device()) : dst.device());
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, const char* op) {
  if (x.device().is_cpu() && index.device().is_cpu()) return cpu::gather(x, dim, index, op);
  unsupported_device(op, x.device().is_cpu() ? index.device() : x.device());
}

void scatter_(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate,
              const char* op) {
  if (dst.device().is_cpu() && index.device().is_cpu() && src.device().is_cpu()) {
    return cpu::scatter_(dst, dim, index, src, accumulate, op);
  }
  unsupported_device(
      op, dst.device().is_cpu() ? (index.device().is_cpu() ? src.device() : index.device()) : dst.device());
}

void scatter_fill_(const Tensor& dst, int64_t dim, const Tensor& index, double value, const char* op) {
  if (dst.device().is_cpu() && index.device().is_cpu()) return cpu::scatter_fill_(dst, dim, index, value, op);
  unsupported_device(op, dst.device().is_cpu() ? index.device() : dst.device());
}

Tensor one_hot(const Tensor& indices, int64_t num_classes, const char* op) {
  if (indices.device().is_cpu()) return cpu::one_hot(indices, num_classes, op);
  unsupported_device(op, indices.device());
}

}  // namespace strata::kernels
