// Device dispatch for the upsampling kernels.
#include "kernels/upsample.h"

#include "kernels/cpu/upsample.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor upsample2d(const Tensor& x, const UpsampleParams& p) {
  if (x.device().is_cpu()) return cpu::upsample2d(x, p);
  unsupported_device("interpolate", x.device());
}

Tensor upsample2d_backward(const Tensor& grad_out, const Shape& input_shape, const UpsampleParams& p) {
  if (grad_out.device().is_cpu()) return cpu::upsample2d_backward(grad_out, input_shape, p);
  unsupported_device("interpolate_backward", grad_out.device());
}

}  // namespace strata::kernels
