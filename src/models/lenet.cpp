#include "strata/models/lenet.h"

#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/pooling.h"

namespace strata::models {

nn::Sequential lenet5(int64_t num_classes, int64_t in_channels) {
  STRATA_CHECK(num_classes > 0, "lenet5: num_classes must be positive, got {}", num_classes);
  STRATA_CHECK(in_channels > 0, "lenet5: in_channels must be positive, got {}", in_channels);
  return nn::Sequential(nn::Conv2d(in_channels, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2),  //
                        nn::Conv2d(6, 16, 5), nn::ReLU(), nn::MaxPool2d(2),                           //
                        nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                        nn::Linear(84, num_classes));
}

}  // namespace strata::models
