#pragma once
// CPU fused attention (see kernels/attention.h).
#include "kernels/attention.h"

namespace strata::kernels::cpu {

AttentionForward attention_forward(const AttentionArgs& args);
AttentionGrads attention_backward(const AttentionArgs& args, const Tensor& out, const Tensor& lse,
                                  const Tensor& grad_out, bool need_mask_grad);

}  // namespace strata::kernels::cpu
