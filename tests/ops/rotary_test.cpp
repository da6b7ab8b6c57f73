// Rotary position embedding: what rotation means (norms kept, relative positions), the decode-step offset,
// and bad input.
#include "strata/ops/rotary.h"

#include "test_util.h"

namespace strata {
namespace {

using testing::error_of;

TEST(Rotary, KeepsNormsAndPositionZero) {
  const Tensor x = randn({2, 5, 8}, {.dtype = kFloat64});
  const Tensor y = F::apply_rotary_embedding(x);
  // Rotations keep each pair's length, so the norm of every row.
  const auto nx = F::norm(x, 2.0, {-1}).to_vector<double>(), ny = F::norm(y, 2.0, {-1}).to_vector<double>();
  for (size_t i = 0; i < nx.size(); ++i) EXPECT_NEAR(nx[i], ny[i], 1e-12);
  // Position 0 is not rotated.
  const auto x0 = x.select(1, 0).to_vector<double>(), y0 = y.select(1, 0).to_vector<double>();
  for (size_t i = 0; i < x0.size(); ++i) EXPECT_DOUBLE_EQ(x0[i], y0[i]);
}

TEST(Rotary, ScoresDependOnRelativePosition) {
  // <rot(q, m), rot(k, n)> depends on m - n only.
  const Tensor q = randn({1, 6}, {.dtype = kFloat64}), k = randn({1, 6}, {.dtype = kFloat64});
  auto score = [&](int64_t m, int64_t n) {
    return (F::apply_rotary_embedding(q, m) * F::apply_rotary_embedding(k, n)).sum().item<double>();
  };
  EXPECT_NEAR(score(3, 1), score(10, 8), 1e-10);
  EXPECT_NEAR(score(0, 5), score(7, 12), 1e-10);
}

TEST(Rotary, OffsetMatchesTheFullSequence) {
  // A KV-cached decode step at position t rotates exactly like position t of the whole sequence.
  const Tensor x = randn({2, 3, 7, 4});
  const Tensor full = F::apply_rotary_embedding(x);
  const Tensor last = F::apply_rotary_embedding(x.narrow(2, 6, 1), 6);
  const auto a = full.narrow(2, 6, 1).contiguous().to_vector<float>(), b = last.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i]);
  const Tensor positions = from_vector<int64_t>({6}, {1});
  const auto c = F::apply_rotary_embedding(x.narrow(2, 6, 1), positions).to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], c[i]);
}

TEST(Rotary, BadInput) {
  EXPECT_NE(error_of([] {
              F::apply_rotary_embedding(randn({3, 5}));
            }).find("even feature size"),
            std::string::npos);
  EXPECT_NE(error_of([] { F::apply_rotary_embedding(randn({4})); }).find("[..., T, D]"), std::string::npos);
  EXPECT_NE(error_of([] { F::apply_rotary_embedding(randn({3, 4}), -1); }).find("offset"), std::string::npos);
  EXPECT_NE(error_of([] {
              F::apply_rotary_embedding(randn({3, 4}), from_vector<int64_t>({0, 1}, {2}));
            }).find("positions"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              F::apply_rotary_embedding(randn({3, 4}), randn({3, 3}), randn({3, 3}));
            }).find("cos and sin"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              F::apply_rotary_embedding(ones({3, 4}, {.dtype = kInt64}));
            }).find("floating"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
