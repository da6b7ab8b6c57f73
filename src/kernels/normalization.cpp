// Device dispatch for normalisation kernels.
#include "kernels/normalization.h"

#include "kernels/cpu/normalization.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                      const Tensor& var, bool use_global_stats, double eps, bool fuse_relu) {
  if (x.device().is_cpu())
    return cpu::batch_norm(x, weight, bias, mean, var, use_global_stats, eps, fuse_relu);
  unsupported_device("batch_norm", x.device());
}

NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, bool use_global_stats, double eps,
                              bool need_weight, bool need_bias, const Tensor& relu_mask) {
  if (x.device().is_cpu())
    return cpu::batch_norm_backward(grad_out, x, weight, mean, var, use_global_stats, eps, need_weight,
                                    need_bias, relu_mask);
  unsupported_device("batch_norm_backward", x.device());
}

NormResult layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t d, double eps) {
  if (x.device().is_cpu()) return cpu::layer_norm(x, weight, bias, d, eps);
  unsupported_device("layer_norm", x.device());
}

NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, int64_t d, double eps, bool need_weight,
                              bool need_bias) {
  if (x.device().is_cpu())
    return cpu::layer_norm_backward(grad_out, x, weight, mean, var, d, eps, need_weight, need_bias);
  unsupported_device("layer_norm_backward", x.device());
}

}  // namespace strata::kernels
