#include "strata/io/model_state.h"

#include "strata/io/safetensors.h"

namespace strata::io {

nn::StateDict load_model_state(const std::string& path) {
  const SafetensorsFile file = read_safetensors(path);
  // A training checkpoint also holds the optimiser, the scheduler and the epoch; only "model." is the model.
  const bool checkpoint = file.tensors.count("trainer.epoch") > 0;
  nn::StateDict state;
  for (const auto& [name, tensor] : file.tensors) {
    if (!checkpoint) {
      state[name] = tensor;
    } else if (name.rfind("model.", 0) == 0) {
      state[name.substr(6)] = tensor;
    }
  }
  STRATA_CHECK(!state.empty(), "{}: holds no model weights{}", path,
               checkpoint ? " (a training checkpoint without model. entries)" : "");
  return state;
}

}  // namespace strata::io
