#pragma once
// The explanation methods by name, as `strata explain --method NAME` and docs list them: each turns a batch
// of images into one heat map per image for display. A new method is one entry in src/explain/registry.cpp.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::explain {

// What a heat-map method is given besides the model and the images.
struct MethodArgs {
  std::vector<int64_t> target = {};  // one class per image; empty: each image's top class
  std::string layer = {};  // layer methods (Grad-CAM): the dotted module name; "": the method's default
  double baseline = 0.0;   // the "absent" input value (the normalised black) for IG and occlusion
  uint64_t seed = 0;       // for methods that draw noise (SmoothGrad)
  int64_t internal_batch_size = 64;
};

// One method of the registry.
struct Method {
  std::string name;         // "saliency", "integrated_gradients", ...
  std::string description;  // one line for --help and docs
  bool uses_layer = false;  // reads MethodArgs::layer
  // Heat maps [N, h, w] (non-negative; larger = more important) of images [N, C, H, W]; layer methods may
  // return their layer's resolution (the overlay resizes).
  std::function<Tensor(nn::Module& model, const Tensor& input, const MethodArgs& args)> heat_map;
};

// Every method, in the order help lists them.
const std::vector<Method>& methods();
// The names of methods(), in order.
std::vector<std::string> method_names();
// The method called `name`; throws with a "did you mean" hint and the list of names.
const Method& find_method(const std::string& name);

}  // namespace strata::explain
