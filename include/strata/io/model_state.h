#pragma once
// A model's weights from a safetensors file, whichever way it was saved: a strata training checkpoint
// (Trainer::save_checkpoint, ModelCheckpoint) or a plain state dict (save_safetensors(module.state_dict())).
#include <string>

#include "strata/nn/module.h"

namespace strata::io {

// The model entries of `path`: those under "model." (prefix removed) of a training checkpoint, every entry
// of a plain state dict. Throws naming the file when it cannot be read or holds no tensor.
nn::StateDict load_model_state(const std::string& path);

}  // namespace strata::io
