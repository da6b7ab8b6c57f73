// dice_loss against the PyTorch formula (tests/fixtures/dice_loss.safetensors,
// scripts/gen_fixtures_vision.py): value and input gradient for 2-D, 3-D and 4-D logits, with and without
// smoothing, in f64 and f32.
#include "golden_util.h"
#include "strata/ops/dice_loss.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  auto body = [](Case& c) { return F::dice_loss(c.in("input"), c.in("target"), c.in("smooth").item()); };
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("dice_4d", body),
      golden::f64_and_f32("dice_3d", body),
      golden::f64_and_f32("dice_2d", body),
      golden::f64_and_f32("dice_no_smooth", body),
      golden::f64_and_f32("dice_smooth_big", body),
  });
  return all;
}

STRATA_GOLDEN_TESTS(DiceLossGolden, "dice_loss.safetensors", cases);

}  // namespace
}  // namespace strata
