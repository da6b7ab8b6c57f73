// Saliency against the PyTorch reference (tests/fixtures/explain_saliency.safetensors).
#include "explain_golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

Tensor run(Case& c, bool abs) {
  auto net = golden::explain_model(c);
  return explain::saliency(*net, golden::explain_input(c), {.target = golden::explain_target(c)},
                           {.abs = abs});
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"saliency", [](Case& c) { return run(c, true); }},
      {"saliency_signed", [](Case& c) { return run(c, false); }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(SaliencyGolden, "explain_saliency.safetensors", cases);

}  // namespace
}  // namespace strata
