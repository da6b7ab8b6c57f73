// Integrated Gradients against the PyTorch reference of Captum's formulas, every quadrature rule
// (tests/fixtures/explain_integrated_gradients.safetensors).
#include "explain_golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// ig_<rule>_<steps> with the case's baseline; internal_batch_size 5 cuts the steps x examples rows unevenly.
GoldenCase ig_case(const std::string& rule, int64_t steps) {
  return {
      fmt::format("ig_{}_{}", rule, steps), [rule, steps](Case& c) {
        auto net = golden::explain_model(c);
        const auto r = explain::integrated_gradients(
            *net, golden::explain_input(c), {.target = golden::explain_target(c), .internal_batch_size = 5},
            {.steps = steps, .method = explain::quadrature_from_name(rule), .baseline = c.in("baseline")});
        c.expect("delta", r.delta);
        return r.attributions;
      }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      ig_case("riemann_left", 7),
      ig_case("riemann_right", 7),
      ig_case("riemann_middle", 7),
      ig_case("riemann_trapezoid", 7),
      ig_case("gausslegendre", 7),
      ig_case("gausslegendre", 1),
      ig_case("riemann_left", 1),
      {"ig_zero_baseline",
       [](Case& c) {
         auto net = golden::explain_model(c);
         const auto r = explain::integrated_gradients(*net, golden::explain_input(c),
                                                      {.target = golden::explain_target(c)}, {.steps = 20});
         c.expect("delta", r.delta);
         return r.attributions;
       }},
  };
  return all;
}

STRATA_GOLDEN_TESTS(IntegratedGradientsGolden, "explain_integrated_gradients.safetensors", cases);

}  // namespace
}  // namespace strata
