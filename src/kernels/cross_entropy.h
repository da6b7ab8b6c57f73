#pragma once
// Fused softmax cross-entropy with class-index targets: no autograd, any device.
#include "strata/core/tensor.h"

namespace strata::kernels {

struct CrossEntropyForward {
  Tensor loss;  // [N] per-row losses, or 0-dim (scale * their sum) when reduced
  Tensor lse;   // [N] log-sum-exp of each row, for the backward
};

// Per-row loss logsumexp(logits[i]) - logits[i, target[i]] of [N, C] logits (f32/f64) and [N] i64
// targets already checked to lie in [0, C).
CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, bool reduce, double scale);
// d logits = (softmax(logits) - onehot(target)) * grad * scale, with grad 0-dim (reduced) or [N].
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse,
                              const Tensor& grad, double scale);

}  // namespace strata::kernels
