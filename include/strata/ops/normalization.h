#pragma once
// Normalisation layers' functional forms (oneDNN for f32 where it pays, ops composition otherwise).
#include "strata/core/tensor.h"

namespace strata::ops {

// x [N, C, ...]. training: normalise with batch statistics and update running_mean/running_var in
// place (unbiased variance, momentum as PyTorch); eval: use the running statistics.
// weight/bias [C] may be undefined (no affine); running stats may be undefined when training.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);
// Normalises over the trailing dims given by normalized_shape.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
// x [N, C, ...] normalised over groups of C / num_groups channels.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

}  // namespace strata::ops
