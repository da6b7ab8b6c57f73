#pragma once
// Transforms by name and arguments, for configs (the `augment:` list of a YAML config, the CLI):
//   random_crop {size: [28], padding: [2]}, random_horizontal_flip {p: [0.5]}, random_rotation {degrees:
//   [10]}
// Names are the torchvision class names in snake_case (RandomHorizontalFlip is also accepted).
#include <map>
#include <string>
#include <vector>

#include "strata/data/image/transforms.h"

namespace strata::data::image {

struct TransformSpec {
  std::string name;
  std::map<std::string, std::vector<double>> numbers{};  // numeric arguments (one value or a list)
  std::map<std::string, std::string> strings{};          // text arguments (interpolation, padding_mode)
  std::string where{};  // where the spec was written (e.g. "config.yaml:12"), for error messages
};

// The transform a spec names; throws naming the spec, the argument and the known names on any problem.
RandomTransform make_transform(const TransformSpec& spec);
// The specs composed in order.
RandomTransform make_pipeline(const std::vector<TransformSpec>& specs);
// The transform names make_transform knows, in snake_case.
const std::vector<std::string>& transform_names();

}  // namespace strata::data::image
