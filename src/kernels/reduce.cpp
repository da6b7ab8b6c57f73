// Device dispatch for reduction kernels.
#include "kernels/reduce.h"

#include "kernels/cpu/reduce.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim) {
  if (x.device().is_cpu()) return cpu::reduce(op, x, dims, keepdim);
  unsupported_device("reduce", x.device());
}

std::pair<Tensor, Tensor> arg_reduce(ReduceOp op, const Tensor& x, int64_t dim, bool keepdim) {
  if (x.device().is_cpu()) return cpu::arg_reduce(op, x, dim, keepdim);
  unsupported_device("arg_reduce", x.device());
}

Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim, bool take_sqrt) {
  if (x.device().is_cpu()) return cpu::var(x, dims, correction, keepdim, take_sqrt);
  unsupported_device("var", x.device());
}

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  if (x.device().is_cpu()) return cpu::logsumexp(x, dims, keepdim);
  unsupported_device("logsumexp", x.device());
}

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  if (x.device().is_cpu()) return cpu::norm(x, p, dims, keepdim);
  unsupported_device("norm", x.device());
}

}  // namespace strata::kernels
