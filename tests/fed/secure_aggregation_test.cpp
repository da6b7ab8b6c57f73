#include "strata/fed/secure_aggregation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace strata::fed {
namespace {

std::vector<Tensor> updates(int64_t clients, int64_t size) {
  std::vector<Tensor> out;
  for (int64_t k = 0; k < clients; ++k) {
    Generator g(100 + k);
    out.push_back(ops::mul(randn({size}, {}, &g), 0.01 * (k + 1)));
  }
  return out;
}

TEST(SecureAggregation, MaskedSumEqualsThePlainSumExactly) {
  const SecureAggregation sa({.frac_bits = 24, .seed = 9});
  const std::vector<int64_t> clients = {0, 3, 4, 7, 11};
  const auto x = updates(5, 1000);
  std::vector<Tensor> masked, encoded;
  for (size_t i = 0; i < clients.size(); ++i) {
    masked.push_back(sa.mask(x[i], clients[i], clients, 2));
    encoded.push_back(sa.encode(x[i], 5));
  }
  // The ring sums agree to the bit: the masks cancel exactly.
  EXPECT_EQ(SecureAggregation::ring_sum(masked).to_vector<int64_t>(),
            SecureAggregation::ring_sum(encoded).to_vector<int64_t>());
  // In any order.
  std::vector<Tensor> reversed(masked.rbegin(), masked.rend());
  EXPECT_EQ(SecureAggregation::ring_sum(reversed).to_vector<int64_t>(),
            SecureAggregation::ring_sum(masked).to_vector<int64_t>());
  // And the decoded sum is the float sum up to the encoding's rounding (2^-25 per value and client).
  Tensor plain = zeros({1000}, {.dtype = kFloat64});
  for (const Tensor& u : x) plain = ops::add(plain, u.to(kFloat64));
  const Tensor err = ops::abs(ops::sub(sa.decode(SecureAggregation::ring_sum(masked)), plain));
  EXPECT_LE(err.max().item(), 5 * std::ldexp(1.0, -25));
}

TEST(SecureAggregation, OneMaskedUpdateAloneIsNotTheUpdate) {
  const SecureAggregation sa({.seed = 1});
  const std::vector<int64_t> clients = {0, 1, 2};
  const auto x = updates(3, 4096);
  const Tensor alone = sa.decode(sa.mask(x[1], 1, clients, 1));
  // The masked vector decodes to values spread over the whole ring (|v| ~ 2^63 / 2^24 ~ 5e11), nothing like
  // the update (|x| ~ 0.02), and uncorrelated with it.
  const Tensor diff = ops::abs(ops::sub(alone, x[1].to(kFloat64)));
  EXPECT_GT(ops::mean(diff).item(), 1e10);
  const Tensor xs = x[1].to(kFloat64);
  const double corr = ops::sum(ops::mul(alone, xs)).item() /
                      std::sqrt(ops::sum(ops::square(alone)).item() * ops::sum(ops::square(xs)).item());
  EXPECT_LT(std::abs(corr), 0.1);
  // The same client masks differently in another round or another client set.
  EXPECT_NE(sa.mask(x[1], 1, clients, 1).to_vector<int64_t>(),
            sa.mask(x[1], 1, clients, 2).to_vector<int64_t>());
  EXPECT_NE(sa.mask(x[1], 1, clients, 1).to_vector<int64_t>(),
            sa.mask(x[1], 1, {1, 2}, 1).to_vector<int64_t>());
}

TEST(SecureAggregation, PairSeedsAreSymmetric) {
  const SecureAggregation sa({.seed = 5});
  EXPECT_EQ(sa.pair_seed(3, 1, 8), sa.pair_seed(3, 8, 1));
  EXPECT_NE(sa.pair_seed(3, 1, 8), sa.pair_seed(4, 1, 8));
  EXPECT_NE(sa.pair_seed(3, 1, 8), sa.pair_seed(3, 1, 9));
}

TEST(SecureAggregation, BadInputIsNamed) {
  const SecureAggregation sa;
  EXPECT_ERROR_CONTAINS(sa.mask(zeros({4}), 2, {0, 1}, 1), "client 2");
  EXPECT_ERROR_CONTAINS(sa.encode(full({3}, 1e30), 2), "does not fit", "24 fraction bits");
  EXPECT_ERROR_CONTAINS(sa.encode(zeros({2, 2}), 2), "vector");
  EXPECT_ERROR_CONTAINS(SecureAggregation::ring_sum({zeros({3})}), "i64");
  EXPECT_ERROR_CONTAINS(SecureAggregation({.frac_bits = 60}), "frac_bits");
}

}  // namespace
}  // namespace strata::fed
