#pragma once
// Builds an nn::Sequential from the layer list of a config.
#include "config.h"
#include "strata/nn/container.h"

namespace strata::cli {

// Builds the model; errors name the config file, the layer's line and the argument.
nn::Sequential build_model(const Config& config);

}  // namespace strata::cli
