#pragma once
// CPU fused softmax cross-entropy (see kernels/cross_entropy.h).
#include "kernels/cross_entropy.h"

namespace strata::kernels::cpu {

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, bool reduce, double scale);
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse,
                              const Tensor& grad, double scale);

}  // namespace strata::kernels::cpu
