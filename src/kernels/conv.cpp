// Device dispatch for convolution kernels.
#include "kernels/conv.h"

#include "kernels/cpu/conv.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  if (x.device().is_cpu()) return cpu::conv2d(x, weight, bias, p);
  unsupported_device("conv2d", x.device());
}

Tensor conv2d_backward_data(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                            const Conv2dParams& p) {
  if (grad_out.device().is_cpu()) return cpu::conv2d_backward_data(grad_out, weight, input_shape, p);
  unsupported_device("conv2d_backward_data", grad_out.device());
}

Tensor conv2d_backward_weights(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                               const Conv2dParams& p, Tensor* grad_bias) {
  if (grad_out.device().is_cpu())
    return cpu::conv2d_backward_weights(grad_out, x, weight_shape, p, grad_bias);
  unsupported_device("conv2d_backward_weights", grad_out.device());
}

Tensor conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                       Tensor* grad_weight, Tensor* grad_bias) {
  if (grad_out.device().is_cpu()) return cpu::conv2d_backward(grad_out, x, weight, p, grad_weight, grad_bias);
  unsupported_device("conv2d_backward", grad_out.device());
}

}  // namespace strata::kernels
