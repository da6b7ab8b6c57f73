#pragma once
// Normalisation kernels (no autograd, any device). Inputs may have any strides; results are
// contiguous, except that f32 batch norm over 4-D inputs returns channels-last activations and input
// gradients (kernels/cpu/memory_format.h). Variances are biased (divided by the count), as the normalisation
// itself uses them.
#include "strata/core/tensor.h"

namespace strata::kernels {

struct NormResult {
  Tensor out;
  Tensor mean, var;  // the statistics used: per channel (batch norm) or per row (layer norm)
  Tensor relu_mask;  // batch_norm with fuse_relu, when a fused kernel ran: what its backward needs
};

struct NormGrads {
  Tensor input, weight, bias;  // weight/bias only when asked for
};

// Batch norm over x [N, C, ...] per channel. use_global_stats: normalise with `mean`/`var` ([C]); else
// the batch statistics are computed (and returned). weight/bias [C] may be undefined.
// fuse_relu: out = relu(batch norm) in the same pass where a fused kernel exists (f32, 4-D, batch
// statistics); relu_mask is then defined. Elsewhere it is ignored (relu_mask undefined, out not rectified).
NormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                      const Tensor& var, bool use_global_stats, double eps, bool fuse_relu = false);
// Gradients of batch_norm given the statistics it used; with the relu_mask of a fused forward, grad_out
// is the gradient of relu(batch norm).
NormGrads batch_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, bool use_global_stats, double eps,
                              bool need_weight, bool need_bias, const Tensor& relu_mask = Tensor());
// Layer norm over the trailing `d` elements of each row of x; weight/bias hold d elements or are undefined.
NormResult layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t d, double eps);
// Gradients of layer_norm given its per-row statistics (weight/bias gradients are flat, d elements).
NormGrads layer_norm_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                              const Tensor& mean, const Tensor& var, int64_t d, double eps, bool need_weight,
                              bool need_bias);

}  // namespace strata::kernels
