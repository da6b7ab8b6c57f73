#include "strata/models/transformer_seq2seq.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/models/zoo.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata::models {
namespace {

TransformerSeq2SeqOptions tiny(bool share = true) {
  return {.src_vocab_size = 12,
          .tgt_vocab_size = share ? 0 : 9,
          .d_model = 16,
          .nhead = 2,
          .num_encoder_layers = 1,
          .num_decoder_layers = 2,
          .dim_feedforward = 24,
          .dropout = 0.0,
          .share_embeddings = share,
          .max_positions = 32};
}

Tensor ids(const std::vector<int64_t>& v, int64_t b, int64_t l) { return from_vector(v, Shape{b, l}); }

TEST(TransformerSeq2Seq, ShapesAndParameterNames) {
  manual_seed(1);
  TransformerSeq2Seq m(tiny(false));
  const Tensor src = ids({3, 4, 5, 2, 6, 7, 2, 0}, 2, 4), tgt = ids({1, 3, 4, 1, 5, 0}, 2, 3);
  EXPECT_EQ(m->forward(src, tgt).shape(), (Shape{2, 3, 9}));
  std::set<std::string> names;
  for (const auto& [name, p] : m->named_parameters()) names.insert(name);
  for (const char* want :
       {"src_tok_emb.weight", "tgt_tok_emb.weight", "generator.weight", "generator.bias",
        "transformer.encoder.layers.0.self_attn.in_proj_weight",
        "transformer.decoder.layers.1.multihead_attn.out_proj.weight", "transformer.encoder.norm.weight"}) {
    EXPECT_EQ(names.count(want), 1U) << want;
  }
  TransformerSeq2Seq shared(tiny(true));
  std::set<std::string> shared_names;
  for (const auto& [name, p] : shared->named_parameters()) shared_names.insert(name);
  EXPECT_EQ(shared_names.count("tgt_tok_emb.weight"), 0U);
  EXPECT_EQ(shared->tgt_tok_emb->weight.data_ptr<float>(), shared->src_tok_emb->weight.data_ptr<float>());
}

TEST(TransformerSeq2Seq, PackedForwardMatchesTheTwoInputForward) {
  manual_seed(2);
  TransformerSeq2Seq m(tiny());
  m->eval();
  const Tensor src = ids({3, 4, 5, 2, 6, 7, 2, 0}, 2, 4), tgt = ids({1, 3, 4, 9, 1, 5, 0, 0}, 2, 4);
  const Tensor packed = ops::stack({src, tgt}, 1);
  const Tensor a = m->forward(packed), b = m->forward(src, tgt).reshape(Shape{8, 12});
  EXPECT_TRUE(allclose(a, b, 1e-6, 1e-6));
}

TEST(TransformerSeq2Seq, PaddingAndLaterTokensDoNotChangeEarlierLogits) {
  manual_seed(3);
  TransformerSeq2Seq m(tiny());
  m->eval();
  // The same source with and without padding; a decoder input and its extension by one token.
  const Tensor a = m->forward(ids({3, 4, 2}, 1, 3), ids({1, 5}, 1, 2));
  const Tensor b = m->forward(ids({3, 4, 2, 0, 0}, 1, 5), ids({1, 5, 7}, 1, 3));
  EXPECT_TRUE(allclose(a, b.slice(1, 0, 2), 1e-5, 1e-5));
}

TEST(TransformerSeq2Seq, TranslateMatchesStepwiseGreedyDecoding) {
  manual_seed(4);
  TransformerSeq2Seq m(tiny());
  const Tensor src = ids({3, 4, 5, 2, 6, 7, 2, 0, 8, 2, 0, 0}, 3, 4);
  const data::text::SearchOptions greedy{
      .bos_id = 1, .eos_id = 2, .max_length = 6, .beam_size = 1, .length_penalty = 0};
  const auto g = m->translate(src, greedy);
  ASSERT_EQ(g.size(), 3U);
  for (const auto& h : g) {
    EXPECT_LE(h.tokens.size(), 6U);
    for (int64_t t : h.tokens) EXPECT_NE(t, 2);
  }
  // Greedy decoding step by step with the full forward gives the same tokens.
  for (int64_t r = 0; r < 3; ++r) {
    std::vector<int64_t> prefix = {1};
    const Tensor row = src.slice(0, r, r + 1);
    for (int step = 0; step < 6; ++step) {
      NoGradGuard no_grad;
      const Tensor logits = m->forward(row, ids(prefix, 1, static_cast<int64_t>(prefix.size())));
      const auto next = logits.select(1, logits.size(1) - 1).argmax(1).item<int64_t>();
      if (next == 2) break;
      prefix.push_back(next);
    }
    EXPECT_EQ(std::vector<int64_t>(prefix.begin() + 1, prefix.end()), g[static_cast<size_t>(r)].tokens) << r;
  }
  data::text::SearchOptions beam4 = greedy;
  beam4.beam_size = 4;
  const auto b = m->translate(src, beam4);
  ASSERT_EQ(b.size(), 3U);
  beam4.length_penalty = 1.0;
  const auto b1 = m->translate(src, beam4);
  for (size_t r = 0; r < 3; ++r) EXPECT_FALSE(std::isnan(b1[r].score));
  EXPECT_TRUE(m->is_training());  // translate restores the mode
}

TEST(TransformerSeq2Seq, ZooBuildsItAndBadOptionsAreNamed) {
  ZooOptions o;
  o.vocab_size = 20;
  o.d_model = 8;
  o.nhead = 2;
  o.num_encoder_layers = 1;
  o.num_decoder_layers = 1;
  o.dim_feedforward = 16;
  auto net = create("transformer_seq2seq", o);
  EXPECT_EQ((*net)(zeros(Shape{2, 2, 5}, {.dtype = kInt64})).shape(), (Shape{10, 20}));
  EXPECT_ERROR_CONTAINS(TransformerSeq2Seq(TransformerSeq2SeqOptions{}), "TransformerSeq2Seq",
                        "src_vocab_size");
  auto bad = tiny();
  bad.nhead = 3;
  EXPECT_ERROR_CONTAINS(TransformerSeq2Seq{bad}, "d_model 16", "nhead 3");
  bad = tiny(false);
  bad.share_embeddings = true;
  EXPECT_ERROR_CONTAINS(TransformerSeq2Seq{bad}, "share_embeddings");
  TransformerSeq2Seq m(tiny());
  EXPECT_ERROR_CONTAINS(m->forward(zeros(Shape{2, 3, 4}, {.dtype = kInt64})), "[B, 2, L]");
  EXPECT_ERROR_CONTAINS(
      m->forward(zeros(Shape{1, 40}, {.dtype = kInt64}), zeros(Shape{1, 2}, {.dtype = kInt64})), "40 tokens",
      "max_positions 32");
  EXPECT_ERROR_CONTAINS(m->translate(zeros(Shape{2, 3}), {}), "translate", "i64");
}

}  // namespace
}  // namespace strata::models
