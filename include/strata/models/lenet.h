#pragma once
// LeNet-5 for 28x28 single-channel images (the classic layout with ReLU and max pooling):
// conv 1->6 5x5 pad 2, ReLU, maxpool 2; conv 6->16 5x5, ReLU, maxpool 2; 400 -> 120 -> 84 -> classes.
#include "strata/nn/container.h"

namespace strata::models {

nn::Sequential lenet5(int64_t num_classes = 10);

}  // namespace strata::models
