// Gradient x input against the PyTorch reference (tests/fixtures/explain_gradient_x_input.safetensors).
#include "explain_golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"gradient_x_input",
       [](Case& c) {
         auto net = golden::explain_model(c);
         // internal_batch_size 2 splits the batch of 3: the chunks must not change the result.
         return explain::gradient_x_input(*net, golden::explain_input(c),
                                          {.target = golden::explain_target(c), .internal_batch_size = 2});
       }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(GradientXInputGolden, "explain_gradient_x_input.safetensors", cases);

}  // namespace
}  // namespace strata
