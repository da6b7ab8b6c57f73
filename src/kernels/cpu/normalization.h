#pragma once
// CPU implementation behind kernels/normalization.h: oneDNN for f32, loops for f64.
#include "kernels/normalization.h"

namespace strata::kernels::cpu {

NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                      const Tensor& var, bool use_global_stats, double eps, bool fuse_relu);
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, bool use_global_stats, double eps,
                              bool need_weight, bool need_bias, const Tensor& relu_mask);
NormResult layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t d, double eps);
NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, int64_t d, double eps, bool need_weight,
                              bool need_bias);

}  // namespace strata::kernels::cpu
