#pragma once
// Builds the model of a config: a named model, a `layers` list (nn::Sequential) or a `graph` (nn::Graph),
// through the library's layer registry and graph builder (strata/nn/graph_builder.h).
#include <string>
#include <vector>

#include "config.h"
#include "strata/core/dtype.h"
#include "strata/core/shape.h"
#include "strata/models/gpt.h"
#include "strata/nn/container.h"
#include "training_data.h"

namespace strata::cli {

// Builds the model; errors name the config file, the layer's line and the argument. With an input
// shape, a zero batch of that shape and dtype runs through the layers as they are made, so arguments that
// follow from the input (in, in_channels) may be left out and a layer that does not fit is reported with
// its line.
std::shared_ptr<nn::Module> build_model(const Config& config, const Shape& input_shape = {},
                                        Dtype input_dtype = kFloat32);
// The same for the data a command loaded: layer arguments may also say `vocab_size` (text), an embedding
// must pad with the data's padding id, and the output must fit the targets (text-lm: [batch * steps, vocab]).
std::shared_ptr<nn::Module> build_model(const Config& config, const TrainingData& data);
// The GPT of a model built from `model: {zoo: gpt}` (text-lm wraps it to flatten its logits); null for
// other models.
std::shared_ptr<models::GPTImpl> zoo_gpt(const std::shared_ptr<nn::Module>& model);
// The layer types a config may use, sorted.
std::vector<std::string> layer_names();

}  // namespace strata::cli
