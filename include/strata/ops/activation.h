#pragma once
// Activation functions; PyTorch semantics and defaults.
#include "strata/core/tensor.h"

namespace strata::ops {

enum class GeluApproximate { None, Tanh };

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::None);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
// log(1 + exp(beta x)) / beta, linear above threshold.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor silu(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
Tensor hardswish(const Tensor& x);
// x where x > 0, else weight * x; weight [1] or [C] (one slope per channel, dim 1 of x).
Tensor prelu(const Tensor& x, const Tensor& weight);
// x * tanh(softplus(x)).
Tensor mish(const Tensor& x);
// x clamped to [min_val, max_val]; the gradient passes strictly inside the bounds (PyTorch's rule).
// Integer tensors keep their dtype. Throws when min_val > max_val.
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
// min(max(x, 0), 6), i.e. hardtanh(x, 0, 6) (MobileNet's activation).
Tensor relu6(const Tensor& x);

}  // namespace strata::ops
