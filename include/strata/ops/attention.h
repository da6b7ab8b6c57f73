#pragma once
// Scaled dot-product attention, PyTorch's F.scaled_dot_product_attention.
#include <optional>

#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::ops {

// softmax(q k^T * scale + mask) v over the last two dims; leading dims (batch, heads) broadcast.
//   q [..., L, E], k [..., S, E], v [..., S, Ev] -> [..., L, Ev]
//   attn_mask: broadcastable to [..., L, S]; u8 (nonzero = may attend, PyTorch's bool convention) or a
//              float mask added to the scores (-inf blocks).
//   is_causal: query i attends to keys j <= i + (S - L) (the last L queries of a sequence of S, so a
//              single decoding query sees its whole KV cache); cannot be combined with attn_mask.
//   scale:     defaults to 1 / sqrt(E).
// A query row whose keys are all masked gets a zero output (and passes no gradient), never NaN.
// Runs the fused CPU kernel (scaled_dot_product_attention_fused) where it is faster than the unfused
// composition, by a rule on shapes measured in docs/performance.md; the unfused composition otherwise, and
// always for dropout_p > 0 (its dropout op draws the mask from `generator` and keeps it for backward), for
// dtypes other than f32 / f64 and for devices without the kernel.
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                    bool is_causal = false, std::optional<double> scale = std::nullopt,
                                    Generator* generator = nullptr);

// The same computation written with strata's unfused ops (scores materialised): the reference the fused
// kernel is tested and benchmarked against.
Tensor scaled_dot_product_attention_unfused(const Tensor& q, const Tensor& k, const Tensor& v,
                                            const Tensor& attn_mask = {}, double dropout_p = 0.0,
                                            bool is_causal = false,
                                            std::optional<double> scale = std::nullopt,
                                            Generator* generator = nullptr);

// The fused kernel alone, whatever the dispatch rule prefers: one op whose forward keeps only the output
// and the row logsumexp (the L x S scores are never materialised) and whose backward recomputes scores block
// by block. CPU, f32 or f64. Double backward (create_graph) runs through the unfused formulas.
Tensor scaled_dot_product_attention_fused(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const Tensor& attn_mask = {}, bool is_causal = false,
                                          std::optional<double> scale = std::nullopt);

}  // namespace strata::ops
