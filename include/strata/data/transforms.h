#pragma once
// Input transforms for datasets (per example, in DataLoader workers).
#include <functional>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::transforms {

using Transform = std::function<Tensor(const Tensor&)>;

// u8 (or any) image -> f32 times scale (1/255 maps pixels to [0, 1]).
Transform to_float(double scale = 1.0 / 255.0);
// (x - mean[c]) / std[c] per channel of a [C, ...] tensor; one value applies to every channel.
Transform normalize(std::vector<double> mean, std::vector<double> std);
// Applies transforms left to right.
Transform compose(std::vector<Transform> transforms);

}  // namespace strata::data::transforms
