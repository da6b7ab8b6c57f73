#pragma once
// Fused scaled-dot-product attention kernels (flash-attention style): no autograd, any device.
#include "strata/core/tensor.h"

namespace strata::kernels {

// The operands of one attention call. q [..., L, E], k [..., S, E] and v [..., S, Ev] have the same
// leading dims (broadcast operands expanded as stride-0 views); mask, when defined, is u8 (nonzero = may
// attend) or q's dtype (added to the scaled scores), expanded to [..., L, S]. Any strides.
struct AttentionArgs {
  Tensor q, k, v, mask;
  bool is_causal = false;  // query i sees keys j <= i + (S - L)
  double scale = 1.0;
};

// The forward result: out [..., L, Ev] contiguous, and lse [prod(...), L], the logsumexp of each row of
// scaled, masked scores (+inf for a row whose keys are all masked; its output row is 0).
struct AttentionForward {
  Tensor out;
  Tensor lse;
};

// Gradients in the operands' full (expanded) shapes, contiguous; dmask (d scores) only when asked for.
struct AttentionGrads {
  Tensor dq, dk, dv, dmask;
};

// softmax(q k^T * scale + mask) v without materialising the scores.
AttentionForward attention_forward(const AttentionArgs& args);

// Gradients of attention_forward from its saved out and lse and the gradient of out (any strides).
AttentionGrads attention_backward(const AttentionArgs& args, const Tensor& out, const Tensor& lse,
                                  const Tensor& grad_out, bool need_mask_grad);

}  // namespace strata::kernels
