// Device dispatch for softmax kernels.
#include "kernels/softmax.h"

#include "kernels/cpu/softmax.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  if (x.device().is_cpu()) return cpu::softmax(x, dim, log);
  unsupported_device(log ? "log_softmax" : "softmax", x.device());
}

}  // namespace strata::kernels
