#pragma once
// CPU implementation behind kernels/conv.h: oneDNN for f32, reference loops for f64.
#include "kernels/conv.h"

namespace strata::kernels::cpu {

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_data(const Tensor& grad_out, const Tensor& weight, const Shape& input_shape,
                            const Conv2dParams& p);
Tensor conv2d_backward_weights(const Tensor& grad_out, const Tensor& x, const Shape& weight_shape,
                               const Conv2dParams& p, Tensor* grad_bias);

}  // namespace strata::kernels::cpu
