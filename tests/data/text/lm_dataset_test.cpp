#include "strata/data/text/lm_dataset.h"

#include <gtest/gtest.h>

#include <cmath>

#include "data/data_test_util.h"
#include "strata/data/dataloader.h"

namespace strata::data::text {
namespace {

Tensor stream(int64_t n) { return arange(static_cast<double>(n), {.dtype = kInt64}); }

TEST(LanguageModelDataset, WindowsAndTargets) {
  const LanguageModelDataset ds(stream(11), 4);
  EXPECT_EQ(ds.size(), 2);  // windows start at 0 and 4; 8 would need token 12
  const Example e = ds.get(1);
  EXPECT_EQ(e.input.to_vector<int64_t>(), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(e.target.to_vector<int64_t>(), (std::vector<int64_t>{5, 6, 7, 8}));
  const LanguageModelDataset overlapping(stream(11), 4, 1);
  EXPECT_EQ(overlapping.size(), 7);
  EXPECT_EQ(overlapping.get(6).target.to_vector<int64_t>(), (std::vector<int64_t>{7, 8, 9, 10}));
}

TEST(LanguageModelDataset, BatchesThroughTheLoader) {
  auto ds = std::make_shared<LanguageModelDataset>(stream(101), 10);
  DataLoader loader(ds, {.batch_size = 4, .drop_last = true});
  int64_t batches = 0;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.input.shape(), (Shape{4, 10}));
    EXPECT_EQ(b.target.shape(), (Shape{4, 10}));
    ++batches;
  }
  EXPECT_EQ(batches, 2);
}

TEST(LanguageModelDataset, Errors) {
  EXPECT_ERROR_CONTAINS(LanguageModelDataset(stream(4), 4), "LanguageModelDataset", "4 tokens", "seq_len 4");
  EXPECT_ERROR_CONTAINS(LanguageModelDataset(zeros({2, 3}, {.dtype = kInt64}), 1), "LanguageModelDataset",
                        "[2, 3]");
  EXPECT_ERROR_CONTAINS(LanguageModelDataset(zeros({9}), 2), "LanguageModelDataset", "f32");
  EXPECT_ERROR_CONTAINS(LanguageModelDataset(stream(9), 0), "seq_len must be positive");
  EXPECT_ERROR_CONTAINS(LanguageModelDataset(stream(9), 2).get(4), "LanguageModelDataset", "index 4",
                        "size 4");
}

TEST(SplitStream, HeadAndTail) {
  const auto [a, b] = split_stream(stream(10), 0.9);
  EXPECT_EQ(a.numel(), 9);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{9}));
  EXPECT_ERROR_CONTAINS(split_stream(stream(10), 1.5), "split_stream", "1.5");
}

TEST(UnigramBits, MatchesHandComputation) {
  // Train counts (smoothing 1, V=2): token0 = 1+3, token1 = 1+1 -> p0 = 2/3, p1 = 1/3.
  const Tensor train = from_vector<int64_t>({0, 0, 0, 1});
  const Tensor eval = from_vector<int64_t>({0, 1});
  const double expect = -(std::log2(2.0 / 3.0) + std::log2(1.0 / 3.0)) / 2.0;
  EXPECT_NEAR(unigram_bits_per_token(train, eval, 2), expect, 1e-12);
  // Uniform text over 4 symbols costs 2 bits.
  const Tensor u = from_vector<int64_t>({0, 1, 2, 3, 0, 1, 2, 3});
  EXPECT_NEAR(unigram_bits_per_token(u, u, 4), 2.0, 1e-12);
  EXPECT_NEAR(nats_to_bits(std::log(2.0)), 1.0, 1e-12);
  EXPECT_ERROR_CONTAINS(unigram_bits_per_token(train, from_vector<int64_t>({5}), 2), "unigram_bits_per_token",
                        "token 5");
}

}  // namespace
}  // namespace strata::data::text
