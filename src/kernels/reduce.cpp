// Device dispatch for reduction kernels.
#include "kernels/reduce.h"

#include "kernels/cpu/reduce.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor reduce(ReduceOp op, const Tensor& x, const Shape& dims, bool keepdim) {
  if (x.device().is_cpu()) return cpu::reduce(op, x, dims, keepdim);
  unsupported_device("reduce", x.device());
}

}  // namespace strata::kernels
