// The distillation loss against PyTorch (tests/fixtures/distillation.safetensors, from
// scripts/gen_fixtures_compress.py): alpha * T^2 * F.kl_div(log_target=True, batchmean) + (1 - alpha) * CE.
#include "golden_util.h"
#include "strata/nn/distillation.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase distill(const std::string& name, double temperature, double alpha) {
  return {name, [temperature, alpha](Case& c) {
            return nn::distillation_loss(c.in("student"), c.in("teacher"), c.in("target"),
                                         {.temperature = temperature, .alpha = alpha});
          }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      distill("t4_a09", 4.0, 0.9), distill("t1_a05", 1.0, 0.5),   distill("t2_a1", 2.0, 1.0),
      distill("t3_a0", 3.0, 0.0),  distill("t20_a07", 20.0, 0.7), distill("t4_a09_f32", 4.0, 0.9),
  };
  return all;
}

STRATA_GOLDEN_TESTS(DistillationGolden, "distillation.safetensors", cases);

}  // namespace
}  // namespace strata
