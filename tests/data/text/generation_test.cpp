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
}

}  // namespace
}  // namespace strata::data::text
