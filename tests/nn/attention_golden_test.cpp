// MultiheadAttention against PyTorch 1.13's nn.MultiheadAttention (tests/fixtures/attention.safetensors,
// scripts/gen_fixtures_transformer.py): self- and cross-attention, kdim/vdim, both layouts, unbatched input,
// every mask kind, the averaged and per-head weights; PyTorch's state dict loads unchanged (strict).
#include "golden_util.h"
#include "strata/nn/attention.h"

namespace strata::nn {
namespace {

using golden::Case;
using golden::GoldenCase;

struct MhaCase {
  int64_t num_heads = 2;
  MultiheadAttentionOptions options{};
  bool self = true;          // x as query, key and value (else query, key, value)
  bool need_weights = true;  // fixture stores `weights`
  bool average = true;       // average_attn_weights
  bool causal = false;       // strata's is_causal where PyTorch was given the causal float mask
};

GoldenCase mha(const std::string& name, MhaCase m) {
  return {name, [m](Case& c) {
            MultiheadAttention attention(8, m.num_heads, m.options);
            // f32: each projection weight's gradient sums products over the batch, positions and (packed)
            // the three projections, in a different order than PyTorch's.
            c.widen_tolerance(4.0);
            c.load_parameters(*attention);
            MultiheadAttentionArgs args{
                .need_weights = m.need_weights, .average_attn_weights = m.average, .is_causal = m.causal};
            if (c.contains("attn_mask")) args.attn_mask = c.in("attn_mask");
            if (c.contains("key_padding_mask")) args.key_padding_mask = c.in("key_padding_mask");
            const MultiheadAttentionOutput r =
                m.self ? attention->forward(c.in("x"), c.in("x"), c.in("x"), args)
                       : attention->forward(c.in("query"), c.in("key"), c.in("value"), args);
            if (m.need_weights) {
              c.expect("weights", r.weights);
            } else {
              EXPECT_FALSE(r.weights.defined());
            }
            return r.output;
          }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      mha("mha_self", {}),
      mha("mha_self_f32", {}),
      mha("mha_self_bool_mask", {}),
      mha("mha_self_float_mask", {}),
      mha("mha_self_key_padding", {}),
      mha("mha_self_both", {}),
      mha("mha_self_both_f32", {}),
      mha("mha_self_float_both", {}),
      mha("mha_self_3d_mask", {}),
      mha("mha_self_causal", {.causal = true}),
      mha("mha_self_causal_no_weights", {.need_weights = false, .causal = true}),
      mha("mha_self_causal_no_weights_f32", {.need_weights = false, .causal = true}),
      mha("mha_self_both_no_weights", {.need_weights = false}),
      mha("mha_cross", {.self = false}),
      mha("mha_cross_kdim_vdim", {.options = {.kdim = 5, .vdim = 3}, .self = false}),
      mha("mha_cross_kdim_vdim_no_weights",
          {.options = {.kdim = 5, .vdim = 3}, .self = false, .need_weights = false}),
      mha("mha_cross_batch_first", {.options = {.batch_first = true}, .self = false}),
      mha("mha_cross_heads", {.num_heads = 4, .self = false, .average = false}),
      mha("mha_cross_no_bias", {.options = {.bias = false}, .self = false}),
      mha("mha_cross_unbatched", {.self = false}),
      mha("mha_cross_causal", {.self = false, .causal = true}),
  };
  return all;
}

STRATA_GOLDEN_TESTS(MultiheadAttentionGolden, "attention.safetensors", cases);

}  // namespace
}  // namespace strata::nn
