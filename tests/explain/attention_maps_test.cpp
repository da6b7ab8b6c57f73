// Attention maps beyond the goldens: rollout on a hand-computed case, the zoo's attention models
// (bert_classifier, gpt) and the errors.
#include "strata/explain/attention_maps.h"

#include "strata/models/zoo.h"
#include "strata/nn/container.h"
#include "strata/nn/linear.h"
#include "test_util.h"

namespace strata::explain {
namespace {

using testing::error_of;

// Two layers, one batch, two tokens, worked out by hand:
//   layer 1, heads averaged: [[1, 0], [0.5, 0.5]];  + I -> [[2, 0], [0.5, 1.5]];  rows / sum -> [[1, 0],
//   [.25, .75]] layer 2 (one head):      [[0, 1], [1, 0]];      + I -> [[1, 1], [1, 1]];      rows / sum ->
//   [[.5, .5], [.5, .5]] rollout = A2 A1 = [[.5 * 1 + .5 * .25, .5 * 0 + .5 * .75], (same row)] = [[.625,
//   .375], [.625, .375]]
TEST(AttentionRollout, MatchesAHandComputedCase) {
  const Tensor l1 = from_vector<double>({1, 0, 0, 1, /*head 2*/ 1, 0, 1, 0}, {1, 2, 2, 2});
  const Tensor l2 = from_vector<double>({0, 1, 1, 0}, {1, 2, 2});
  const Tensor r = attention_rollout({{"a", l1}, {"b", l2}});
  EXPECT_TRUE(allclose(r, from_vector<double>({0.625, 0.375, 0.625, 0.375}, {1, 2, 2}), 1e-12, 1e-12));
  // One layer: its own renormalised A + I.
  EXPECT_TRUE(allclose(attention_rollout({{"a", l1}}), from_vector<double>({1, 0, 0.25, 0.75}, {1, 2, 2}),
                       1e-12, 1e-12));
}

TEST(AttentionRollout, Errors) {
  EXPECT_NE(error_of([] { attention_rollout({}); }).find("no layers"), std::string::npos);
  const std::string e = error_of([] { attention_rollout({{"cross", zeros({1, 2, 3})}}); });
  EXPECT_NE(e.find("layer 'cross' has weights [1, 2, 3], expected square"), std::string::npos) << e;
  const std::string m = error_of([] {
    attention_rollout({{"a", zeros({1, 2, 2})}, {"b", zeros({1, 3, 3})}});
  });
  EXPECT_NE(m.find("layer 'b' has weights [1, 3, 3] after averaging heads, earlier layers [1, 2, 2]"),
            std::string::npos)
      << m;
}

TEST(AttentionMaps, BertClassifierLayersWithPadding) {
  manual_seed(1);
  auto bert = models::create(
      "bert_classifier",
      {.num_classes = 2, .vocab_size = 20, .d_model = 8, .nhead = 2, .num_encoder_layers = 2, .pad_id = 0});
  bert->eval();
  const Tensor ids = from_vector<int64_t>({3, 5, 7, 0, 4, 9, 2, 8}, {2, 4});  // the first row ends in padding
  const auto maps = attention_maps(*bert, ids);
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].name, "bert.encoder.layers.0.self_attn");
  EXPECT_EQ(maps[1].name, "bert.encoder.layers.1.self_attn");
  for (const auto& m : maps) {
    EXPECT_EQ(m.weights.shape(), (Shape{2, 2, 4, 4}));
    EXPECT_TRUE(allclose(ops::sum(m.weights, {-1}), ones({2, 2, 4}), 1e-5, 1e-6));
    const auto w = m.weights.to_vector<float>();
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t i = 0; i < 4; ++i)
        EXPECT_EQ(w[static_cast<size_t>((h * 4 + i) * 4 + 3)], 0.0f);  // padding key
  }
  const Tensor r = attention_rollout(maps);
  EXPECT_EQ(r.shape(), (Shape{2, 4, 4}));
  EXPECT_TRUE(allclose(ops::sum(r, {-1}), ones({2, 4}), 1e-5, 1e-6));
}

TEST(AttentionMaps, GptLayersAveragedOverHeads) {
  manual_seed(2);
  auto gpt =
      models::create("gpt", {.vocab_size = 16, .block_size = 8, .n_layer = 3, .n_head = 2, .n_embd = 8});
  gpt->eval();
  const auto maps =
      attention_maps(*gpt, from_vector<int64_t>({1, 2, 3, 4, 5}, {1, 5}), /*average_heads=*/true);
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[2].name, "transformer.h.2.attn");
  EXPECT_EQ(maps[0].weights.shape(), (Shape{1, 5, 5}));
  EXPECT_FALSE(maps[0].weights.requires_grad());
}

TEST(AttentionMaps, ModelWithoutAttentionIsRefused) {
  nn::Sequential mlp(nn::Linear(4, 2));
  const std::string e = error_of([&] { attention_maps(*mlp, randn({1, 4})); });
  EXPECT_NE(e.find("the model (Sequential) has no attention layer"), std::string::npos) << e;
}

}  // namespace
}  // namespace strata::explain
