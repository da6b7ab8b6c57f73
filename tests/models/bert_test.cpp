// The BERT-style encoder: shapes, parameter names shared by the two heads (so a pre-trained checkpoint
// loads into the classifier), the tied output projection, padding that changes nothing, and a few steps
// of masked-LM training that lower the loss.
#include "strata/models/bert.h"

#include <gmock/gmock.h>

#include "strata/core/factory.h"
#include "strata/data/text/masking.h"
#include "strata/ops/loss.h"
#include "strata/optim/adam.h"
#include "test_util.h"

namespace strata::models {
namespace {

using ::testing::AllOf;
using testing::error_of;
using ::testing::HasSubstr;

BertOptions small() {
  return {.vocab_size = 40,
          .hidden_size = 16,
          .num_layers = 2,
          .num_heads = 2,
          .max_positions = 12,
          .dropout = 0.0,
          .pad_id = 0,
          .num_classes = 3};
}

Tensor ids(const std::vector<int64_t>& v, int64_t b, int64_t t) { return from_vector(v, Shape{b, t}); }

TEST(Bert, ShapesAndNames) {
  BertForMaskedLM mlm(small());
  const Tensor x = ids({4, 5, 6, 7, 8, 9, 0, 0}, 2, 4);
  EXPECT_EQ(mlm(x).shape(), (Shape{8, 40}));
  BertForSequenceClassification cls(small());
  EXPECT_EQ(cls(x).shape(), (Shape{2, 3}));

  const auto names = [](const nn::Module& m) {
    std::vector<std::string> out;
    for (const auto& [n, p] : m.named_parameters()) out.push_back(n);
    return out;
  };
  const std::vector<std::string> m = names(*mlm.ptr()), c = names(*cls.ptr());
  const auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (const char* n :
       {"bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
        "bert.embeddings.norm.weight", "bert.encoder.layers.0.self_attn.in_proj_weight",
        "bert.encoder.layers.1.linear2.bias"}) {
    EXPECT_TRUE(has(m, n)) << n;
    EXPECT_TRUE(has(c, n)) << n;
  }
  EXPECT_TRUE(has(m, "mlm_head.dense.weight"));
  EXPECT_TRUE(has(m, "mlm_head.bias"));
  EXPECT_TRUE(has(c, "classifier.weight"));
  // The output projection is the token embedding: no [V, H] matrix of its own.
  for (const auto& n : m) EXPECT_EQ(n.find("decoder"), std::string::npos) << n;
}

TEST(Bert, PretrainedEncoderLoadsIntoTheClassifier) {
  BertForMaskedLM mlm(small());
  BertForSequenceClassification cls(small());
  const nn::LoadReport report = cls->load_state_dict(mlm->state_dict(), /*strict=*/false);
  EXPECT_TRUE(report.mismatched.empty());
  for (const auto& n : report.missing) EXPECT_EQ(n.rfind("classifier.", 0), 0u) << n;
  for (const auto& n : report.unexpected) EXPECT_EQ(n.rfind("mlm_head.", 0), 0u) << n;
  mlm->eval();
  cls->eval();
  const Tensor x = ids({4, 5, 6, 7}, 1, 4);
  // The encoders now compute the same hidden states.
  EXPECT_TRUE(allclose(mlm->bert(x), cls->bert(x), 1e-6, 1e-6));
}

TEST(Bert, PaddingChangesNothing) {
  BertForSequenceClassification cls(small());
  cls->eval();
  NoGradGuard no_grad;
  const Tensor short_x = ids({4, 5, 6}, 1, 3), padded = ids({4, 5, 6, 0, 0}, 1, 5);
  EXPECT_TRUE(allclose(cls(short_x), cls(padded), 1e-5, 1e-5));
  BertOptions first = small();
  first.pooling = "first";
  BertForSequenceClassification f(first);
  f->eval();
  EXPECT_TRUE(allclose(f(short_x), f(padded), 1e-5, 1e-5));
}

TEST(Bert, TiedProjectionGetsGradientsAndTrainingLowersTheLoss) {
  manual_seed(0);
  BertForMaskedLM mlm(small());
  optim::Adam opt(mlm->parameters(), {.lr = 1e-2});
  // A repeating pattern the model can learn to fill in.
  std::vector<int64_t> v;
  for (int64_t b = 0; b < 8; ++b)
    for (int64_t t = 0; t < 12; ++t) v.push_back(4 + (b + t) % 6);
  const Tensor x = ids(v, 8, 12);
  const data::text::MaskOptions mask{
      .mask_token = 1, .vocab_size = 40, .mask_prob = 0.3, .special_ids = {0, 1}};
  Generator gen(1);
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    const data::text::MaskedTokens m = data::text::mask_tokens(x, mask, gen);
    const Tensor loss = ops::cross_entropy(mlm(m.input), m.labels.reshape(Shape{-1}));
    opt.zero_grad();
    loss.backward();
    if (step == 0) {
      const Tensor g = mlm->bert->embeddings->word_embeddings->weight.grad();
      ASSERT_TRUE(g.defined());
      EXPECT_GT(ops::sum(g * g).item<double>(), 0.0);
      first = loss.item<double>();
    }
    last = loss.item<double>();
    opt.step();
  }
  EXPECT_LT(last, 0.5 * first);
}

TEST(Bert, BadInput) {
  BertOptions o = small();
  BertForMaskedLM mlm(o);
  EXPECT_THAT(error_of([&] { mlm(ids(std::vector<int64_t>(13, 4), 1, 13)); }),
              HasSubstr("13 tokens exceed max_positions 12"));
  EXPECT_THAT(error_of([&] {
                mlm(ones(Shape{1, 3}));
              }),
              AllOf(HasSubstr("BertEmbeddings"), HasSubstr("i64")));
  o.num_heads = 3;
  EXPECT_THAT(error_of([&] { BertForMaskedLM{o}; }),
              AllOf(HasSubstr("hidden_size 16"), HasSubstr("num_heads 3")));
  o = small();
  o.pooling = "max";
  EXPECT_THAT(error_of([&] { BertForSequenceClassification{o}; }), HasSubstr("pooling"));
  o = small();
  o.vocab_size = 0;
  EXPECT_THAT(error_of([&] { BertModel{o}; }), HasSubstr("vocab_size"));
}

}  // namespace
}  // namespace strata::models
