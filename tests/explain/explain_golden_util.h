#pragma once
// Golden checks of attribution methods against tests/fixtures/explain_*.safetensors
// (scripts/gen_explain_fixtures.py): a case `c` holds the parameters `c.param.*` of a small classifier
// (Conv2d(2, 3, 3, padding=1) -> Tanh -> Flatten -> Linear(75, 4), float64), its input `c.x`, the explained
// classes `c.target` and the attributions `c.out`.
#include <memory>
#include <vector>

#include "golden_util.h"
#include "strata/explain.h"
#include "strata/nn.h"

namespace strata::golden {

// The fixture's classifier with the case's parameters loaded (float64, eval mode).
inline std::shared_ptr<nn::Module> explain_model(Case& c) {
  std::shared_ptr<nn::Module> net =
      nn::Sequential(nn::Conv2d(2, 3, 3, {.padding = 1}), nn::Tanh(), nn::Flatten(), nn::Linear(75, 4)).ptr();
  c.load_parameters(*net);
  net->eval();
  return net;
}

// The case's input (a plain tensor: the methods make their own leaves).
inline Tensor explain_input(Case& c) { return c.in("x").detach(); }

// The case's target classes.
inline std::vector<int64_t> explain_target(Case& c) { return c.in("target").to_vector<int64_t>(); }

}  // namespace strata::golden
