// Occlusion against the PyTorch reference of Captum's formula (tests/fixtures/explain_occlusion.safetensors).
#include "explain_golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

Tensor run(Case& c) {
  auto net = golden::explain_model(c);
  // internal_batch_size 4: windows x examples rows in uneven chunks.
  return explain::occlusion(*net, golden::explain_input(c),
                            {.target = golden::explain_target(c), .internal_batch_size = 4},
                            {.window = c.in("window").to_vector<int64_t>(),
                             .strides = c.in("strides").to_vector<int64_t>(),
                             .baseline = c.in("baseline").item()});
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"occlusion_3x3", run},
      {"occlusion_per_channel", run},
      {"occlusion_uncovered", run},
  };
  return all;
}

STRATA_GOLDEN_TESTS(OcclusionGolden, "explain_occlusion.safetensors", cases);

}  // namespace
}  // namespace strata
