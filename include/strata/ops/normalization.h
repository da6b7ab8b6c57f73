#pragma once
// Normalisation layers' functional forms (oneDNN for f32 where it pays, ops composition otherwise).
#include <optional>

#include "strata/core/tensor.h"

namespace strata::ops {

// x [N, C, ...]. training: normalise with batch statistics and update running_mean/running_var in
// place (unbiased variance, momentum as PyTorch); eval: use the running statistics.
// weight/bias [C] may be undefined (no affine); running stats may be undefined when training.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                  double eps = 1e-5);
// Normalises over the trailing dims given by normalized_shape.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
// x [N, C, ...] normalised over groups of C / num_groups channels.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
// x * rsqrt(mean(x^2) + eps) * weight over the trailing dims given by normalized_shape (PyTorch 2.4's
// F.rms_norm); eps defaults to the machine epsilon of x's dtype; weight may be undefined.
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);
// The machine epsilon of a floating dtype (rms_norm's default eps): 2^-23 for f32, 2^-52 for f64, 2^-7 for
// bf16.
double machine_epsilon(Dtype dtype);

}  // namespace strata::ops
