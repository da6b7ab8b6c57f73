#pragma once
// Loss functions (functional forms), PyTorch semantics and defaults.
#include <optional>

#include "strata/core/tensor.h"

namespace strata::ops {

enum class Reduction { None, Mean, Sum };

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);

struct CrossEntropyOptions {
  Tensor weight{};  // [C] per-class weights, or undefined
  int64_t ignore_index = -100;
  double label_smoothing = 0.0;
  Reduction reduction = Reduction::Mean;
};
// input [N, C] or [N, C, d...] logits; target i64 class indices [N] / [N, d...], or probabilities
// with input's shape. Fused log-softmax + NLL.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});

struct NLLOptions {
  Tensor weight{};
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};
// input [N, C] (or [N, C, d...]) log-probabilities, target i64 indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLOptions& options = {});

// input probabilities in [0, 1]; log clamped at -100 like PyTorch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            Reduction reduction = Reduction::Mean);
// Numerically stable sigmoid + BCE; pos_weight broadcasts over the class dim.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                                        const Tensor& pos_weight = {}, Reduction reduction = Reduction::Mean);
// input log-probabilities; target probabilities (or log-probabilities when log_target).
// Reduction::Mean averages over all elements like PyTorch's 'mean'; use batchmean via sum / N.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);

}  // namespace strata::ops
