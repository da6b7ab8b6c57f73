// Rotary position embedding against explicit torch ops (tests/fixtures/rotary.safetensors, from
// scripts/gen_fixtures_transformer.py): half-split pairs, positions from an offset or given, another base.
#include "golden_util.h"
#include "strata/ops/rotary.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("rope", [](Case& c) { return F::apply_rotary_embedding(c.in("x")); }),
      {{"rope_offset", [](Case& c) { return F::apply_rotary_embedding(c.in("x"), 7); }},
       {"rope_positions", [](Case& c) { return F::apply_rotary_embedding(c.in("x"), c.in("positions")); }},
       {"rope_base", [](Case& c) { return F::apply_rotary_embedding(c.in("x"), 0, 500.0); }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(RotaryGolden, "rotary.safetensors", cases);

}  // namespace
}  // namespace strata
