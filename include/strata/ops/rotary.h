#pragma once
// Rotary position embedding (RoPE, Su et al. 2021) with the half-split pairing of GPT-NeoX and Llama:
// feature i of the first half and feature i of the second half form a pair rotated by the angle
// position * base^(-2i / D).
#include "strata/core/tensor.h"

namespace strata::ops {

// x [..., T, D] (D even) rotated at positions offset, offset + 1, ..., offset + T - 1 (a KV-cached decode
// step passes the number of cached positions as offset).
Tensor apply_rotary_embedding(const Tensor& x, int64_t offset = 0, double base = 10000.0);
// x [..., T, D] rotated at `positions`: i64 [T], or [..., T] broadcastable against x's leading dims
// (e.g. [B, T] for x [B, T, D], [B, 1, T] for x [B, heads, T, D]).
Tensor apply_rotary_embedding(const Tensor& x, const Tensor& positions, double base = 10000.0);
// x [..., T, D] rotated with precomputed tables cos and sin [..., T, D / 2] (broadcastable against x's).
Tensor apply_rotary_embedding(const Tensor& x, const Tensor& cos, const Tensor& sin);

// The angles position * base^(-2i / D) of `positions` (any shape) -> [..., D / 2], in f64.
Tensor rotary_angles(const Tensor& positions, int64_t dim, double base = 10000.0);

}  // namespace strata::ops
