// Attention maps and rollout against PyTorch (tests/fixtures/attention_maps.safetensors,
// scripts/gen_cam_fixtures.py): each layer's per-head nn.MultiheadAttention weights inside an
// nn.TransformerEncoder (which itself asks for none) and their rollout, in float64.
#include "golden_util.h"
#include "strata/explain/attention_maps.h"
#include "strata/nn/transformer.h"

namespace strata::explain {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase encoder_case(const std::string& name, int64_t layers, int64_t heads) {
  return {name, [=](Case& c) {
            nn::TransformerEncoder encoder(
                nn::TransformerEncoderLayer(8, heads,
                                            {.dim_feedforward = 16, .dropout = 0.0, .batch_first = true}),
                layers);
            encoder->eval();
            c.load_parameters(*encoder);
            const auto maps = attention_maps(*encoder, c.in("x"));
            EXPECT_EQ(static_cast<int64_t>(maps.size()), layers);
            for (size_t i = 0; i < maps.size(); ++i) {
              EXPECT_EQ(maps[i].name, fmt::format("layers.{}.self_attn", i));
              c.expect(fmt::format("weights.{}", i), maps[i].weights);
            }
            // Averaged maps are the head mean of the per-head ones.
            const auto averaged = attention_maps(*encoder, c.in("x"), /*average_heads=*/true);
            EXPECT_TRUE(golden::all_close(averaged[0].weights, ops::mean(maps[0].weights, {1})));
            return attention_rollout(maps);
          }};
}

std::vector<GoldenCase> cases() {
  return {encoder_case("encoder_two_layers", 2, 2), encoder_case("encoder_three_layers_four_heads", 3, 4)};
}

STRATA_GOLDEN_TESTS(AttentionMapsGolden, "attention_maps.safetensors", cases);

}  // namespace
}  // namespace strata::explain
