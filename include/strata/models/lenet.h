#pragma once
// LeNet-5 for 28x28 images (the classic layout with ReLU and max pooling):
// conv in_channels->6 5x5 pad 2, ReLU, maxpool 2; conv 6->16 5x5, ReLU, maxpool 2; 400 -> 120 -> 84 ->
// classes.
#include "strata/nn/container.h"

namespace strata::models {

// LeNet-5 with `num_classes` outputs for [N, in_channels, 28, 28] inputs.
nn::Sequential lenet5(int64_t num_classes = 10, int64_t in_channels = 1);

}  // namespace strata::models
