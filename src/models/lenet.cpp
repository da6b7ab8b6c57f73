#include "strata/models/lenet.h"

#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/pooling.h"

namespace strata::models {

nn::Sequential lenet5(int64_t num_classes) {
  return nn::Sequential(nn::Conv2d(1, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2),  //
                        nn::Conv2d(6, 16, 5), nn::ReLU(), nn::MaxPool2d(2),                  //
                        nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                        nn::Linear(84, num_classes));
}

}  // namespace strata::models
