#pragma once
// relu(batch_norm(...)) as one op: where a fused kernel exists (oneDNN, f32, 4-D, batch statistics) the
// ReLU runs inside the batch norm forward and backward, saving a pass over the activation each way.
// nn::Sequential uses it for a BatchNorm followed by a ReLU.
#include "strata/core/tensor.h"

namespace strata::ops {

// The same arguments and result as relu(batch_norm(x, ...)) (strata/ops/normalization.h).
Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps);

}  // namespace strata::ops
