#pragma once
// Builds an nn::Sequential from the model section of a config.
#include <string>
#include <vector>

#include "config.h"
#include "strata/core/dtype.h"
#include "strata/core/shape.h"
#include "strata/nn/container.h"
#include "training_data.h"

namespace strata::cli {

// Builds the model; errors name the config file, the layer's line and the argument. With an input
// shape, a zero batch of that shape and dtype runs through the layers so a layer that does not fit its
// input is reported with its line.
nn::Sequential build_model(const Config& config, const Shape& input_shape = {}, Dtype input_dtype = kFloat32);
// The same for the data a command loaded: layer arguments may also say `vocab_size` (text), an embedding
// must pad with the data's padding id, and the output must fit the targets (text-lm: [batch * steps, vocab]).
nn::Sequential build_model(const Config& config, const TrainingData& data);
// The layer types a config may use, sorted.
const std::vector<std::string>& layer_names();

}  // namespace strata::cli
