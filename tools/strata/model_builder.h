#pragma once
// Builds an nn::Sequential from the model section of a config.
#include <string>
#include <vector>

#include "config.h"
#include "strata/core/dtype.h"
#include "strata/core/shape.h"
#include "strata/nn/container.h"

namespace strata::cli {

// Builds the model; errors name the config file, the layer's line and the argument. With an input
// shape, a zero batch of that shape and dtype runs through the layers so a layer that does not fit its
// input is reported with its line.
nn::Sequential build_model(const Config& config, const Shape& input_shape = {}, Dtype input_dtype = kFloat32);
// The layer types a config may use, sorted.
const std::vector<std::string>& layer_names();

}  // namespace strata::cli
