// DistributedSampler without MPI (rank and replicas given): disjoint shards that cover the dataset, padding
// to equal length, per-epoch reshuffling agreed by every rank, and the DataLoader reading through it.
#include "strata/dist/distributed_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "strata/data.h"
#include "test_util.h"

namespace strata {
namespace {

std::vector<std::vector<int64_t>> shards(int64_t n, int replicas, int64_t epoch, bool shuffle = true,
                                         bool drop_last = false) {
  std::vector<std::vector<int64_t>> out;
  for (int r = 0; r < replicas; ++r) {
    dist::DistributedSampler s(
        n, {.num_replicas = replicas, .rank = r, .shuffle = shuffle, .seed = 5, .drop_last = drop_last});
    out.push_back(s.indices(epoch));
    EXPECT_EQ(static_cast<int64_t>(out.back().size()), s.size());
  }
  return out;
}

TEST(DistributedSampler, ShardsAreDisjointAndCoverTheDataset) {
  for (int replicas : {1, 2, 3, 4}) {
    const auto parts = shards(12, replicas, 0);
    std::multiset<int64_t> all;
    for (const auto& p : parts) all.insert(p.begin(), p.end());
    EXPECT_EQ(all.size(), 12u) << replicas;
    for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(all.count(i), 1u) << replicas;
  }
}

TEST(DistributedSampler, UnevenSizesArePaddedToEqualShards) {
  const auto parts = shards(10, 3, 1);  // 10 samples, 3 ranks: 4 each, two repeated
  std::set<int64_t> distinct;
  for (const auto& p : parts) {
    EXPECT_EQ(p.size(), 4u);
    distinct.insert(p.begin(), p.end());
  }
  EXPECT_EQ(distinct.size(), 10u);
  const auto dropped = shards(10, 3, 1, true, true);  // drop_last: 3 each, all distinct
  std::set<int64_t> kept;
  for (const auto& p : dropped) {
    EXPECT_EQ(p.size(), 3u);
    kept.insert(p.begin(), p.end());
  }
  EXPECT_EQ(kept.size(), 9u);
  const auto tiny = shards(2, 4, 0, false);  // fewer samples than ranks: every rank still gets one
  EXPECT_EQ(tiny[2], std::vector<int64_t>{0});
  EXPECT_EQ(tiny[3], std::vector<int64_t>{1});
}

TEST(DistributedSampler, ReshufflesPerEpochAndStridesWithoutShuffle) {
  EXPECT_NE(shards(50, 2, 0)[0], shards(50, 2, 1)[0]);
  EXPECT_EQ(shards(50, 2, 3)[1], shards(50, 2, 3)[1]);  // a pure function of (seed, epoch)
  EXPECT_EQ(shards(7, 2, 0, false)[1], (std::vector<int64_t>{1, 3, 5, 0}));
}

TEST(DistributedSampler, OneReplicaMatchesTheDataLoadersShuffle) {
  auto ds = std::make_shared<data::TensorDataset>(arange(20.0).reshape({20, 1}), arange(20.0));
  data::DataLoader shuffled(ds, {.batch_size = 20, .shuffle = true, .seed = 9});
  data::DataLoader sampled(
      ds, {.batch_size = 20,
           .sampler = std::make_shared<dist::DistributedSampler>(
               20, dist::DistributedSamplerOptions{.num_replicas = 1, .rank = 0, .seed = 9})});
  for (int epoch = 0; epoch < 2; ++epoch) {
    EXPECT_TRUE(equal(shuffled.begin()->target, sampled.begin()->target)) << epoch;
  }
  EXPECT_EQ(sampled.size(), 1);
}

TEST(DistributedSampler, BadInput) {
  using ::testing::HasSubstr;
  EXPECT_THAT(testing::error_of([] { dist::DistributedSampler(10, {.num_replicas = 2, .rank = 2}); }),
              HasSubstr("rank 2 is outside [0, 2)"));
  EXPECT_THAT(testing::error_of([] { dist::DistributedSampler(10, {.num_replicas = 0, .rank = 0}); }),
              HasSubstr("num_replicas must be >= 1"));
  EXPECT_THAT(testing::error_of(
                  [] { dist::DistributedSampler(2, {.num_replicas = 3, .rank = 0, .drop_last = true}); }),
              HasSubstr("leave nothing"));
  auto ds = std::make_shared<data::TensorDataset>(arange(4.0).reshape({4, 1}), arange(4.0));
  auto sampler = std::make_shared<dist::DistributedSampler>(4, dist::DistributedSamplerOptions{1, 0});
  EXPECT_THAT(testing::error_of([&] { data::DataLoader(ds, {.shuffle = true, .sampler = sampler}); }),
              HasSubstr("mutually exclusive"));
  auto too_big = std::make_shared<dist::DistributedSampler>(9, dist::DistributedSamplerOptions{1, 0});
  data::DataLoader loader(ds, {.sampler = too_big});
  EXPECT_THAT(testing::error_of([&] { loader.begin(); }), HasSubstr("for a dataset of 4 samples"));
}

}  // namespace
}  // namespace strata
