#pragma once
// Multi-layer perceptron: Linear layers with an activation between them.
#include <vector>

#include "strata/nn/container.h"

namespace strata::models {

// sizes {784, 256, 128, 10} -> Flatten, Linear(784, 256), ReLU, Linear(256, 128), ReLU, Linear(128, 10).
// dropout > 0 adds Dropout after each hidden activation.
nn::Sequential mlp(const std::vector<int64_t>& sizes, double dropout = 0.0);

}  // namespace strata::models
