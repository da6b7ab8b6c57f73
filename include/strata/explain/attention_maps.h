#pragma once
// Attention maps: the attention weights of every attention layer of a model (nn::MultiheadAttention in
// Transformer encoder and decoder layers, bert_*; models::CausalSelfAttention in gpt), read through
// attention hooks (nn/attention.h) whatever the layers' callers ask for, and attention rollout
// (Abnar & Zuidema 2020), the standard way to aggregate them over layers.
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::explain {

// One attention layer's weights for one forward.
struct LayerAttention {
  std::string name;  // the layer's dotted module path, e.g. "encoder.layers.0.self_attn"
  Tensor weights;    // [B, heads, L, S] per head, or [B, L, S] averaged over heads (detached)
};

// Runs `model` on `input` in eval mode (put back after) without recording gradients and returns each
// attention layer's weights in call order (a layer called twice appears twice), per head or averaged over
// heads. Throws when the model has no attention layer.
std::vector<LayerAttention> attention_maps(nn::Module& model, const Tensor& input,
                                           bool average_heads = false);

// Attention rollout over layers in call order: each layer's weights (per head [B, heads, L, L] or averaged
// [B, L, L]) are averaged over heads, the residual connection added (A + I) and rows renormalised to sum to
// 1, and the layers multiplied: R = A_n ... A_2 A_1. Returns [B, L, L]: row i is how much each input token
// flows into output token i. Throws for an empty list, non-square weights or layers that disagree in shape.
Tensor attention_rollout(const std::vector<LayerAttention>& layers);

}  // namespace strata::explain
