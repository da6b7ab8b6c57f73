#pragma once
// Float weights that hold int8 values: recognising them (stored as I8 in quantised files) and rounding a
// float layer's weight to them.
#include <optional>
#include <utility>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::quantization::detail {

// The per-channel int8 weights (s8 bits in u8, and the scales) that give back `w` exactly as q * s in f32,
// or nothing when w is not such a weight.
std::optional<std::pair<Tensor, Tensor>> exact_int8(const Tensor& w);
// Rounds a float layer's weight in place to per-channel int8 values; false when it cannot.
bool round_weight_to_int8(Tensor& w);
// The weight of a float Conv2d or Linear (undefined for other modules).
Tensor float_weight(nn::Module& m);

}  // namespace strata::quantization::detail
