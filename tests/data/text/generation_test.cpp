#include "strata/data/text/generation.h"

#include <gtest/gtest.h>

#include <map>

#include "data/data_test_util.h"

namespace strata::data::text {
namespace {

TEST(SampleToken, GreedyAtTemperatureZero) {
  Generator g(1);
  EXPECT_EQ(sample_token(from_vector<float>({0.1f, 3.0f, -1.0f}), {.temperature = 0}, g), 1);
  EXPECT_EQ(sample_token(from_vector<double>({5, 1}).reshape({1, 2}), {.temperature = 0}, g), 0);
}

TEST(SampleToken, TopKRestrictsTheChoice) {
  Generator g(2);
  const Tensor logits = from_vector<float>({1.0f, 0.9f, 0.8f, 5.0f, -2.0f});
  for (int i = 0; i < 200; ++i) {
    const int64_t t = sample_token(logits, {.temperature = 5.0, .top_k = 2}, g);
    EXPECT_TRUE(t == 3 || t == 0) << t;
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sample_token(logits, {.top_k = 1}, g), 3);
}

TEST(SampleToken, FollowsTheSoftmax) {
  Generator g(3);
  const Tensor logits = from_vector<double>({std::log(0.5), std::log(0.3), std::log(0.2)});
  std::map<int64_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[sample_token(logits, {}, g)];
  EXPECT_NEAR(counts[0] / double(n), 0.5, 0.02);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.02);
  EXPECT_NEAR(counts[2] / double(n), 0.2, 0.02);
  // Low temperature sharpens towards the argmax.
  int top = 0;
  for (int i = 0; i < 1000; ++i) top += sample_token(logits, {.temperature = 0.1}, g) == 0;
  EXPECT_GT(top, 980);
}

TEST(SampleToken, TopPKeepsTheNucleus) {
  Generator g(4);
  // Probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps the first two (0.5 < 0.7 <= 0.8), renormalised to
  // 0.625 / 0.375.
  const Tensor logits = from_vector<double>({std::log(0.15), std::log(0.5), std::log(0.05), std::log(0.3)});
  std::map<int64_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[sample_token(logits, {.top_p = 0.7}, g)];
  EXPECT_EQ(counts.count(0) + counts.count(2), 0u);
  EXPECT_NEAR(counts[1] / double(n), 0.625, 0.02);
  EXPECT_NEAR(counts[3] / double(n), 0.375, 0.02);
  // Just short of the mass of the first two: the third stays out.
  for (int i = 0; i < 200; ++i) {
    const int64_t t = sample_token(logits, {.top_p = 0.79}, g);
    EXPECT_TRUE(t == 1 || t == 3) << t;
  }
  // A tiny nucleus keeps the likeliest token alone, whatever the temperature.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sample_token(logits, {.temperature = 10, .top_p = 1e-6}, g), 1);
  // top_p = 1 keeps every token.
  std::map<int64_t, int> all;
  for (int i = 0; i < 4000; ++i) ++all[sample_token(logits, {.top_p = 1.0}, g)];
  EXPECT_EQ(all.size(), 4u);
}

TEST(SampleToken, TopPAppliesAfterTemperatureAndTopK) {
  Generator g(5);
  // Uniform over 4 tokens: top_k 3 leaves 1/3 each, and top_p 0.5 then keeps two (1/3 < 0.5 <= 2/3): the
  // two with the lowest ids (ties by id).
  const Tensor uniform = from_vector<float>({0.f, 0.f, 0.f, 0.f});
  std::map<int64_t, int> counts;
  for (int i = 0; i < 2000; ++i) ++counts[sample_token(uniform, {.top_k = 3, .top_p = 0.5}, g)];
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_GT(counts[0], 800);
  EXPECT_GT(counts[1], 800);
  // A high temperature flattens [2, 1, 0] so that 0.6 needs two tokens; a low one makes the first enough.
  const Tensor logits = from_vector<float>({2.f, 1.f, 0.f});
  std::map<int64_t, int> hot, cold;
  for (int i = 0; i < 2000; ++i) {
    ++hot[sample_token(logits, {.temperature = 100, .top_p = 0.6}, g)];
    ++cold[sample_token(logits, {.temperature = 0.1, .top_p = 0.6}, g)];
  }
  EXPECT_EQ(hot.size(), 2u);
  EXPECT_EQ(hot.count(2), 0u);
  EXPECT_EQ(cold.size(), 1u);
  EXPECT_EQ(cold.count(0), 1u);
}

TEST(SampleToken, DeterministicForASeed) {
  const Tensor logits = from_vector<float>({0.f, 0.f, 0.f, 0.f});
  Generator a(9), b(9);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sample_token(logits, {}, a), sample_token(logits, {}, b));
}

TEST(GenerateTokens, FeedsPromptThenSamples) {
  // A "model" that always predicts (last token + 1) mod 5.
  std::vector<int64_t> fed;
  const auto step = [&](int64_t id) {
    fed.push_back(id);
    std::vector<float> z(5, -10.0f);
    z[static_cast<size_t>((id + 1) % 5)] = 10.0f;
    return from_vector(z);
  };
  Generator g(0);
  const auto out = generate_tokens(step, {0, 1}, 4, {.temperature = 0}, g);
  EXPECT_EQ(out, (std::vector<int64_t>{2, 3, 4, 0}));
  EXPECT_EQ(fed, (std::vector<int64_t>{0, 1, 2, 3, 4}));  // the last sample is not fed back
}

TEST(GenerateTokens, Errors) {
  Generator g(0);
  const auto step = [](int64_t) { return zeros({3}); };
  EXPECT_ERROR_CONTAINS(generate_tokens(step, {}, 3, {}, g), "generate_tokens", "prompt");
  EXPECT_ERROR_CONTAINS(sample_token(zeros({3}, {.dtype = kInt64}), {}, g), "sample_token", "i64");
  EXPECT_ERROR_CONTAINS(sample_token(zeros({2, 3}), {}, g), "sample_token", "[2, 3]");
  EXPECT_ERROR_CONTAINS(sample_token(zeros({3}), {.temperature = -1}, g), "sample_token", "temperature");
  EXPECT_ERROR_CONTAINS(sample_token(full({2}, std::nan("")), {}, g), "sample_token", "NaN");
  EXPECT_ERROR_CONTAINS(sample_token(zeros({3}), {.top_p = 0}, g), "sample_token", "top_p");
  EXPECT_ERROR_CONTAINS(sample_token(zeros({3}), {.top_p = 1.5}, g), "sample_token", "top_p");
}

}  // namespace
}  // namespace strata::data::text
