// models::GPT: layout and names, GPT-2 initialisation, the KV cache (cached logits equal full-sequence
// logits at every position), generation with and without the cache, and bad input.
#include "strata/models/gpt.h"

#include <gmock/gmock.h>

#include <cmath>

#include "strata/nn.h"
#include "strata/ops.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata::models {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

const GPTConfig kSmall{.vocab_size = 13, .block_size = 12, .n_layer = 2, .n_head = 2, .n_embd = 8};

// A small f64 GPT whose weights are spread wider than GPT-2's 0.02, so every position's logits differ.
GPT wide_model(const GPTConfig& config = kSmall, uint64_t seed = 7) {
  GPT model(config);
  model->to(kFloat64);
  Generator g(seed);
  NoGradGuard no_grad;
  for (auto& [name, p] : model->named_parameters()) {
    Tensor t = p;
    nn::init::normal_(t, name.ends_with("weight") && p.dim() == 1 ? 1.0 : 0.0, 0.3, &g);
  }
  return model;
}

Tensor tokens(int64_t b, int64_t t, int64_t vocab, uint64_t seed) {
  Generator g(seed);
  return randint(0, vocab, {b, t}, {.dtype = kInt64}, &g);
}

TEST(GPT, NamesFollowNanoGPT) {
  GPT model(kSmall);
  std::vector<std::string> names;
  for (const auto& [name, p] : model->named_parameters()) names.push_back(name);
  EXPECT_EQ(names.size(), 4u + 12u * 2u);
  EXPECT_EQ(names[0], "transformer.wte.weight");
  EXPECT_EQ(names[1], "transformer.wpe.weight");
  EXPECT_THAT(names, ::testing::Contains("transformer.h.1.attn.c_attn.weight"));
  EXPECT_THAT(names, ::testing::Contains("transformer.h.0.mlp.c_proj.bias"));
  EXPECT_THAT(names, ::testing::Contains("transformer.h.1.ln_2.weight"));
  EXPECT_EQ(names.back(), "transformer.ln_f.bias");
  // The head is the token embedding: no parameter of its own.
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("lm_head.weight")));
  NoGradGuard no_grad;
  EXPECT_EQ(model(zeros({2, 5}, {.dtype = kInt64})).shape(), (Shape{2, 5, 13}));
}

TEST(GPT, InitialisesLikeGPT2) {
  const GPTConfig config{.vocab_size = 500, .block_size = 64, .n_layer = 8, .n_head = 4, .n_embd = 128};
  GPT model(config);
  const auto stddev = [](const Tensor& t) {
    const std::vector<double> v = t.to_vector<double>();
    double sq = 0;
    for (double x : v) sq += x * x;
    return std::sqrt(sq / static_cast<double>(v.size()));
  };
  EXPECT_NEAR(stddev(model->wte->weight), 0.02, 0.001);
  EXPECT_NEAR(stddev(model->wpe->weight), 0.02, 0.002);
  auto block = std::static_pointer_cast<GPTBlockImpl>((*model->h)[3]);
  EXPECT_NEAR(stddev(block->attn->c_attn->weight), 0.02, 0.001);
  EXPECT_NEAR(stddev(block->mlp->c_fc->weight), 0.02, 0.001);
  EXPECT_NEAR(stddev(block->attn->c_proj->weight), 0.02 / 4.0, 0.0005);  // 0.02 / sqrt(2 * 8)
  EXPECT_NEAR(stddev(block->mlp->c_proj->weight), 0.02 / 4.0, 0.0005);
  EXPECT_TRUE(equal(block->attn->c_attn->bias, zeros({384})));
  EXPECT_TRUE(equal(block->ln_1->weight, ones({128})));
  EXPECT_TRUE(equal(model->ln_f->bias, zeros({128})));
}

TEST(GPT, CachedLogitsEqualFullSequenceLogits) {
  GPT model = wide_model();
  model->eval();
  NoGradGuard no_grad;
  const int64_t total = kSmall.block_size;
  const Tensor idx = tokens(2, total, kSmall.vocab_size, 3);
  const Tensor full_logits = model(idx);
  // Every split into a prompt (fed at once) and then single tokens, and a split into chunks of 3.
  for (int64_t prompt : {1, 2, 5, 11, 12}) {
    SCOPED_TRACE(prompt);
    KVCache cache;
    std::vector<Tensor> parts = {model->forward(idx.narrow(1, 0, prompt), &cache)};
    for (int64_t i = prompt; i < total; ++i) parts.push_back(model->forward(idx.narrow(1, i, 1), &cache));
    EXPECT_EQ(cache.length(), total);
    const Tensor cached = ops::cat(parts, 1);
    EXPECT_TRUE(allclose(cached, full_logits, 1e-12, 1e-12))
        << "largest difference " << (cached - full_logits).abs().max().item<double>();
  }
  KVCache cache;
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < total; i += 3) parts.push_back(model->forward(idx.narrow(1, i, 3), &cache));
  EXPECT_TRUE(allclose(ops::cat(parts, 1), full_logits, 1e-12, 1e-12));
  // The cache holds [B, n_head, S, head_dim] per layer.
  ASSERT_EQ(cache.keys.size(), 2u);
  EXPECT_EQ(cache.keys[1].shape(), (Shape{2, 2, total, 4}));
  cache.clear();
  EXPECT_EQ(cache.length(), 0);
}

TEST(GPT, CausalOutputsIgnoreLaterTokens) {
  GPT model = wide_model();
  NoGradGuard no_grad;
  Tensor a = tokens(1, 8, kSmall.vocab_size, 5);
  Tensor b = a.clone();
  b.narrow(1, 6, 2).fill_(0.0);
  const Tensor la = model(a), lb = model(b);
  EXPECT_TRUE(allclose(la.narrow(1, 0, 6), lb.narrow(1, 0, 6), 1e-12, 1e-12));
  EXPECT_FALSE(allclose(la.narrow(1, 6, 2), lb.narrow(1, 6, 2), 1e-6, 1e-6));
}

TEST(GPT, GenerateWithTheCacheMatchesRecomputing) {
  GPT model = wide_model();
  const std::vector<int64_t> prompt = {1, 4, 2};
  // 20 new tokens run past block_size (12): the cache is rebuilt from the last 12 tokens there.
  for (const GPTSampling& sampling : {GPTSampling{.temperature = 0}, GPTSampling{.temperature = 1.0},
                                      GPTSampling{.temperature = 0.8, .top_k = 5, .top_p = 0.9}}) {
    Generator g1(11), g2(11);
    const auto cached = model->generate(prompt, 20, sampling, g1);
    const auto recomputed = model->generate_uncached(prompt, 20, sampling, g2);
    EXPECT_EQ(cached, recomputed);
    EXPECT_EQ(cached.size(), 20u);
    for (int64_t id : cached) EXPECT_TRUE(id >= 0 && id < kSmall.vocab_size);
  }
  EXPECT_FALSE(model->is_training());
  // A prompt longer than block_size keeps its last block_size tokens.
  Generator g3(1), g4(1);
  const std::vector<int64_t> long_prompt(30, 3);
  EXPECT_EQ(model->generate(long_prompt, 4, {.temperature = 0}, g3),
            model->generate_uncached(long_prompt, 4, {.temperature = 0}, g4));
  EXPECT_TRUE(model->generate(prompt, 0, {}, g3).empty());
}

TEST(GPT, GenerateMovesItsWindowByHalfABlock) {
  GPT model = wide_model();
  Generator g(0);
  const std::vector<int64_t> prompt = {1, 4, 2};
  const auto out = model->generate(prompt, 12, {.temperature = 0}, g);
  std::vector<int64_t> context = prompt;
  context.insert(context.end(), out.begin(), out.end());
  // The greedy token after context[0, n) read through the window context[from, n).
  const auto next = [&](size_t from, size_t n) {
    const std::vector<int64_t> ids(context.begin() + static_cast<std::ptrdiff_t>(from),
                                   context.begin() + static_cast<std::ptrdiff_t>(n));
    NoGradGuard no_grad;
    const Tensor logits = model(from_vector(ids, {1, static_cast<int64_t>(ids.size())}));
    return logits.select(1, logits.size(1) - 1).reshape({kSmall.vocab_size}).argmax().item<int64_t>();
  };
  // Up to 12 tokens of context the window starts at 0; the 13th jumps it to the last 6 (block_size / 2),
  // and it stays there until it is full again.
  EXPECT_EQ(out[9], next(0, 12));
  EXPECT_EQ(out[10], next(7, 13));
  EXPECT_EQ(out[11], next(7, 14));
}

TEST(GPT, DropoutOnlyInTraining) {
  GPTConfig config = kSmall;
  config.dropout = 0.5;
  GPT model = wide_model(config);
  const Tensor idx = tokens(2, 6, kSmall.vocab_size, 9);
  NoGradGuard no_grad;
  EXPECT_FALSE(allclose(model(idx), model(idx), 1e-9, 1e-9));
  model->eval();
  EXPECT_TRUE(equal(model(idx), model(idx)));
}

TEST(GPT, TrainsThroughTheTiedHead) {
  GPT model = wide_model();
  const Tensor idx = tokens(2, 6, kSmall.vocab_size, 4);
  const Tensor loss = ops::cross_entropy(model(idx).reshape({-1, kSmall.vocab_size}), idx.reshape({-1}));
  loss.backward();
  for (const auto& [name, p] : model->named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
}

TEST(GPT, BadInputNamesTheProblem) {
  GPT model(kSmall);
  EXPECT_THAT(error_of([&] {
                model(zeros({2, 3}));
              }),
              HasSubstr("GPT: expected token ids [B, T] of dtype i64"));
  EXPECT_THAT(error_of([&] { model(zeros({5}, {.dtype = kInt64})); }), HasSubstr("[5]"));
  EXPECT_THAT(error_of([&] {
                model(zeros({1, 13}, {.dtype = kInt64}));
              }),
              HasSubstr("13 new tokens after 0 cached ones exceed block_size 12"));
  KVCache cache;
  model->forward(zeros({1, 10}, {.dtype = kInt64}), &cache);
  EXPECT_THAT(error_of([&] {
                model->forward(zeros({1, 3}, {.dtype = kInt64}), &cache);
              }),
              HasSubstr("3 new tokens after 10 cached ones exceed block_size 12"));
  EXPECT_THAT(error_of([&] {
                model->forward(zeros({2, 1}, {.dtype = kInt64}), &cache);
              }),
              HasSubstr("do not fit input [2, 1, 8]"));
  EXPECT_THAT(error_of([] { GPT(GPTConfig{.n_head = 3}); }),
              HasSubstr("n_embd (128) must be divisible by n_head (3)"));
  EXPECT_THAT(error_of([] { GPT(GPTConfig{.vocab_size = 0}); }), HasSubstr("must be positive"));
  EXPECT_THAT(error_of([] { GPT(GPTConfig{.dropout = 1.0}); }), HasSubstr("dropout must be in [0, 1)"));
  Generator g(0);
  EXPECT_THAT(error_of([&] { model->generate({}, 3, {}, g); }), HasSubstr("prompt"));
}

}  // namespace
}  // namespace strata::models
