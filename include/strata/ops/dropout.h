#pragma once
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::ops {

// Inverted dropout: zeroes elements with probability p and scales the rest by 1 / (1 - p) when
// training; identity otherwise.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* generator = nullptr);

}  // namespace strata::ops
