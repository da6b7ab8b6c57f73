// Positional encodings: the sinusoid table's values, offsets for decoding, the learned table's gradient,
// the rotary embedding's cache against the functional op, and bad input.
#include "strata/nn/positional.h"

#include <cmath>

#include "test_util.h"

namespace strata::nn {
namespace {

using testing::error_of;

TEST(PositionalEncoding, SinusoidValues) {
  SinusoidalPositionalEncoding pe(6, 10);
  EXPECT_EQ(pe->pe.shape(), (Shape{10, 6}));
  const auto v = pe->pe.to_vector<double>();
  for (int64_t t = 0; t < 10; ++t) {
    for (int64_t i = 0; i < 3; ++i) {
      const double angle = static_cast<double>(t) / std::pow(10000.0, 2.0 * static_cast<double>(i) / 6.0);
      EXPECT_NEAR(v[static_cast<size_t>(t * 6 + 2 * i)], std::sin(angle), 1e-6);
      EXPECT_NEAR(v[static_cast<size_t>(t * 6 + 2 * i + 1)], std::cos(angle), 1e-6);
    }
  }
  // A buffer: saved, not trained.
  EXPECT_TRUE(pe->state_dict().count("pe"));
  EXPECT_TRUE(pe->parameters().empty());
  SinusoidalPositionalEncoding odd(5, 4);
  EXPECT_EQ(odd->pe.shape(), (Shape{4, 5}));
}

TEST(PositionalEncoding, AddsRowsFromTheOffset) {
  SinusoidalPositionalEncoding pe(4, 16);
  const Tensor x = zeros({2, 3, 4});
  const Tensor y = pe->forward(x, 5);
  EXPECT_EQ(y.select(0, 1).to_vector<float>(), pe->pe.narrow(0, 5, 3).contiguous().to_vector<float>());
  EXPECT_EQ(pe(x).select(0, 0).to_vector<float>(), pe->pe.narrow(0, 0, 3).contiguous().to_vector<float>());
  EXPECT_NE(error_of([&] { pe->forward(x, 14); }).find("max_len=16"), std::string::npos);
  EXPECT_NE(error_of([&] { pe(zeros({2, 3, 5})); }).find("d_model=4"), std::string::npos);
}

TEST(PositionalEncoding, LearnedTableTrains) {
  LearnedPositionalEncoding pe(8, 4);
  EXPECT_EQ(pe->weight.shape(), (Shape{8, 4}));
  const Tensor x = zeros({2, 3, 4});
  pe->forward(x, 2).sum().backward();
  const auto g = pe->weight.grad().sum({1}).to_vector<double>();
  EXPECT_EQ(g, (std::vector<double>{0, 0, 8, 8, 8, 0, 0, 0}));  // rows 2..4, two batch entries, 4 features
  EXPECT_NE(error_of([] { LearnedPositionalEncoding(0, 4); }).find("positive"), std::string::npos);
}

TEST(RotaryEmbedding, MatchesTheOpAndGrowsItsCache) {
  RotaryEmbedding rope(8, 10000.0, 4);
  const Tensor x = randn({2, 3, 6, 8});
  const auto a = rope(x).to_vector<float>(), b = F::apply_rotary_embedding(x).to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
  const auto c = rope->forward(x.narrow(2, 5, 1), 9).to_vector<float>();
  const auto d = F::apply_rotary_embedding(x.narrow(2, 5, 1), 9).to_vector<float>();
  for (size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(c[i], d[i], 1e-6);
  const Tensor x64 = randn({3, 8}, {.dtype = kFloat64});
  EXPECT_EQ(rope(x64).dtype(), kFloat64);
  EXPECT_TRUE(rope->state_dict().empty());
  EXPECT_NE(error_of([] { RotaryEmbedding(5); }).find("even"), std::string::npos);
  EXPECT_NE(error_of([&] { rope(randn({3, 6})); }).find("dim=8"), std::string::npos);
}

}  // namespace
TEST(SinusoidalEncoding, InterleavesSinAndCos) {
  const auto p = sinusoidal_encoding(3, 4).to_vector<float>();
  EXPECT_FLOAT_EQ(p[0], 0.0F);
  EXPECT_FLOAT_EQ(p[1], 1.0F);
  EXPECT_NEAR(p[4], std::sin(1.0), 1e-6);
  EXPECT_NEAR(p[5], std::cos(1.0), 1e-6);
  EXPECT_NEAR(p[6], std::sin(1.0 / 100.0), 1e-6);
  EXPECT_NEAR(p[11], std::cos(2.0 / 100.0), 1e-6);
}

}  // namespace strata::nn
