// scaled_dot_product_attention against PyTorch's explicit softmax(q k^T * scale + mask) v
// (tests/fixtures/attention.safetensors, from scripts/gen_fixtures_attention.py): outputs and the
// gradients of q, k, v and float masks, under causal attention, u8 and additive masks, fully masked rows,
// several blocks with ragged ends and broadcast k / v.
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// The case's q, k, v and (when the fixture has one) mask through the op.
golden::CaseFn sdpa(bool causal = false, std::optional<double> scale = std::nullopt, bool masked = false) {
  return [=](Case& c) {
    const Tensor mask = masked ? c.in("mask") : Tensor();
    return F::scaled_dot_product_attention(c.in("q"), c.in("k"), c.in("v"), mask, 0.0, causal, scale);
  };
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("basic", sdpa()),
      golden::f64_and_f32("causal", sdpa(true)),
      golden::f64_and_f32("padding_mask", sdpa(false, std::nullopt, true)),
      golden::f64_and_f32("float_mask", sdpa(false, std::nullopt, true)),
      golden::f64_and_f32("blocks", sdpa()),
      golden::f64_and_f32("blocks_causal", sdpa(true)),
      {{"causal_decode", sdpa(true)},
       {"causal_few_queries", sdpa(true)},
       {"causal_tall", sdpa(true)},
       {"bool_mask_2d", sdpa(false, std::nullopt, true)},
       {"bool_mask_full", sdpa(false, std::nullopt, true)},
       {"float_mask_rows", sdpa(false, std::nullopt, true)},
       {"scale", sdpa(false, 0.3)},
       {"broadcast_kv", sdpa()}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(AttentionGolden, "attention.safetensors", cases);

}  // namespace
}  // namespace strata
