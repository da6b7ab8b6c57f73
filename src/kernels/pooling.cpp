// Device dispatch for pooling kernels.
#include "kernels/pooling.h"

#include "kernels/cpu/pooling.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

MaxPoolResult max_pool2d(const Tensor& x, const Pool2dParams& p, bool with_workspace) {
  if (x.device().is_cpu()) return cpu::max_pool2d(x, p, with_workspace);
  unsupported_device("max_pool2d", x.device());
}

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& workspace,
                           const Pool2dParams& p) {
  if (x.device().is_cpu()) return cpu::max_pool2d_backward(grad_out, x, workspace, p);
  unsupported_device("max_pool2d_backward", x.device());
}

Tensor max_pool2d_gather(const Tensor& x, const Tensor& v, const Pool2dParams& p) {
  if (x.device().is_cpu()) return cpu::max_pool2d_gather(x, v, p);
  unsupported_device("max_pool2d_gather", x.device());
}

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p, bool count_include_pad) {
  if (x.device().is_cpu()) return cpu::avg_pool2d(x, p, count_include_pad);
  unsupported_device("avg_pool2d", x.device());
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, const Pool2dParams& p,
                           bool count_include_pad) {
  if (grad_out.device().is_cpu())
    return cpu::avg_pool2d_backward(grad_out, input_shape, p, count_include_pad);
  unsupported_device("avg_pool2d_backward", grad_out.device());
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  if (x.device().is_cpu()) return cpu::adaptive_avg_pool2d(x, out_h, out_w);
  unsupported_device("adaptive_avg_pool2d", x.device());
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape) {
  if (grad_out.device().is_cpu()) return cpu::adaptive_avg_pool2d_backward(grad_out, input_shape);
  unsupported_device("adaptive_avg_pool2d_backward", grad_out.device());
}

}  // namespace strata::kernels
