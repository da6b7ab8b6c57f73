// DistributedDataParallel under mpirun (2 and 3 ranks): N ranks with batch B reach the weights of one process
// with batch N x B after 20 steps (SGD and Adam), with gradients bucketed (several buckets) and reduced while
// backward runs; with BatchNorm's per-rank statistics the reference is one process averaging the per-shard
// losses, as PyTorch's DDP computes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/data.h"
#include "strata/dist/collectives.h"
#include "strata/dist/distributed_data_parallel.h"
#include "strata/dist/distributed_sampler.h"
#include "strata/dist/process_group.h"
#include "strata/dist/sync_batch_norm.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata {
namespace {

constexpr int64_t kBatch = 4;  // per rank
constexpr int kSteps = 20;

// A regression set of kSteps * N * kBatch samples, the same on every rank. f64 throughout, so that the
// comparison is tight (Adam turns f32 rounding noise in a near-zero gradient into steps of order lr).
std::shared_ptr<data::TensorDataset> dataset(int64_t n) {
  Generator g(123);
  Tensor x = randn({n, 6}, {.dtype = kFloat64}, &g);
  Tensor y = randn({n, 2}, {.dtype = kFloat64}, &g);
  return std::make_shared<data::TensorDataset>(x, y);
}

// The model, initialised from `seed` (ranks use different seeds: DDP must broadcast rank 0's weights).
std::shared_ptr<nn::Module> model(uint64_t seed, bool batch_norm) {
  manual_seed(seed);
  std::shared_ptr<nn::Module> net;
  if (batch_norm) {
    net = nn::Sequential(nn::Linear(6, 16), nn::BatchNorm1d(16), nn::ReLU(), nn::Linear(16, 2)).ptr();
  } else {
    net = nn::Sequential(nn::Linear(6, 16), nn::Tanh(), nn::Linear(16, 16), nn::ReLU(), nn::Linear(16, 2))
              .ptr();
  }
  net->to(kFloat64);
  return net;
}

std::shared_ptr<optim::Optimizer> optimizer(const std::vector<Tensor>& params, bool adam) {
  if (adam) return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = 1e-2});
  return std::make_shared<optim::SGD>(params, optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
}

// Trains with DDP on this rank's shard and returns the final parameters (and buffers when `sync_bn`: the
// BatchNorms then become SyncBatchNorms).
std::vector<Tensor> train_ddp(bool adam, bool batch_norm, bool sync_bn = false) {
  const int n = dist::world_size();
  auto ds = dataset(kSteps * n * kBatch);
  auto sampler =
      std::make_shared<dist::DistributedSampler>(ds->size(), dist::DistributedSamplerOptions{.seed = 7});
  data::DataLoader loader(ds, {.batch_size = kBatch, .sampler = sampler});
  auto net = model(100 + static_cast<uint64_t>(dist::rank()), batch_norm);
  if (sync_bn) {
    EXPECT_EQ(dist::convert_sync_batchnorm(*net), 1);
  }
  // A small bucket cap: several buckets per step.
  dist::DistributedDataParallel ddp(net, {.bucket_cap_mb = 0.0002});
  EXPECT_GE(ddp->bucket_indices().size(), 3u);
  auto opt = optimizer(net->parameters(), adam);
  for (const data::Batch& batch : loader) {
    opt->zero_grad();
    ops::mse_loss(ddp(batch.input), batch.target).backward();
    opt->step();
  }
  EXPECT_EQ(ddp->stats().steps, kSteps);
  // Every bucket but the last started from the engine's hooks while backward went on.
  EXPECT_EQ(ddp->stats().early_launches, kSteps * static_cast<int64_t>(ddp->bucket_indices().size() - 1));
  std::vector<Tensor> out = net->parameters();
  if (sync_bn) {
    for (const Tensor& b : net->buffers()) out.push_back(b.to(kFloat64));
  }
  return out;
}

// One process: global batches of N x kBatch (the union of the ranks' batches), as N shards of kBatch each
// through the model when `per_shard` (BatchNorm then sees each rank's statistics), the loss averaged.
std::vector<Tensor> train_reference(bool adam, bool batch_norm, bool per_shard, bool with_buffers = false) {
  const int n = dist::world_size();
  auto ds = dataset(kSteps * n * kBatch);
  auto sampler = std::make_shared<dist::DistributedSampler>(
      ds->size(), dist::DistributedSamplerOptions{.num_replicas = 1, .rank = 0, .seed = 7});
  data::DataLoader loader(ds, {.batch_size = n * kBatch, .sampler = sampler});
  auto net = model(100, batch_norm);
  auto opt = optimizer(net->parameters(), adam);
  for (const data::Batch& batch : loader) {
    opt->zero_grad();
    if (!per_shard) {
      ops::mse_loss((*net)(batch.input), batch.target).backward();
    } else {
      // Rank r's batch holds the global batch's samples r, r + N, ... (the sampler's stride).
      Tensor loss;
      for (int r = 0; r < n; ++r) {
        Tensor x = batch.input.slice(0, r, n * kBatch, n);
        Tensor y = batch.target.slice(0, r, n * kBatch, n);
        Tensor l = ops::mse_loss((*net)(x), y);
        loss = loss.defined() ? loss + l : l;
      }
      (loss / static_cast<double>(n)).backward();
    }
    opt->step();
  }
  std::vector<Tensor> out = net->parameters();
  if (with_buffers) {
    for (const Tensor& b : net->buffers()) out.push_back(b.to(kFloat64));
  }
  return out;
}

// Equal within `atol` (plus 1e-9 relative): f64 sums in another order differ by rounding only.
void expect_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double atol = 1e-10) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(allclose(a[i], b[i], 1e-9, atol)) << "parameter " << i << " differs on rank " << dist::rank()
                                                  << ": max |diff| " << (a[i] - b[i]).abs().max().item();
  }
}

TEST(DistributedDataParallel, SgdMatchesOneProcessWithTheGlobalBatch) {
  expect_same(train_ddp(false, false), train_reference(false, false, false));
}

TEST(DistributedDataParallel, AdamMatchesOneProcessWithTheGlobalBatch) {
  expect_same(train_ddp(true, false), train_reference(true, false, false));
}

TEST(DistributedDataParallel, BatchNormUsesPerRankStatistics) {
  expect_same(train_ddp(false, true), train_reference(false, true, true));
  // The bias before BatchNorm has a zero gradient up to rounding, which Adam normalises: allow for it.
  expect_same(train_ddp(true, true), train_reference(true, true, true), 1e-8);
}

TEST(DistributedDataParallel, SyncBatchNormMatchesOneProcessWithTheGlobalBatch) {
  // Global-batch statistics: the same weights and running statistics as BatchNorm on N x B in one process.
  expect_same(train_ddp(false, true, true), train_reference(false, true, false, true));
  expect_same(train_ddp(true, true, true), train_reference(true, true, false, true), 1e-8);
}

TEST(DistributedDataParallel, ReplicasStayIdenticalAndShardsAreDisjoint) {
  const std::vector<Tensor> params = train_ddp(true, false);
  for (const Tensor& p : params) {
    Tensor max = p.clone();
    dist::all_reduce(max, dist::ReduceOp::Max);
    EXPECT_TRUE(equal(max, p));  // bit-identical on every rank
  }
  dist::DistributedSampler sampler(10);  // 10 samples over N ranks: every index on some rank
  const Tensor mine = from_vector<int64_t>(sampler.indices(0));
  const Tensor all = dist::all_gather_into_tensor(mine);
  std::vector<int64_t> seen(10, 0);
  for (int64_t i : all.to_vector<int64_t>()) ++seen[static_cast<size_t>(i)];
  for (int64_t c : seen) EXPECT_GE(c, 1);
  EXPECT_EQ(all.numel(), sampler.size() * dist::world_size());
}

TEST(DistributedDataParallel, UnusedParametersGetZeroGradients) {
  auto net = model(1, false);
  dist::DistributedDataParallel ddp(net);
  // Only the first layer takes part: the others' buckets are reduced with zeros at the end of backward.
  auto first = net->named_parameters()[0].second;
  (first.sum() * static_cast<double>(dist::rank() + 1)).backward();
  const int n = dist::world_size();
  EXPECT_NEAR(first.grad().mean().item(), (n + 1) / 2.0, 1e-6);
  const auto last = net->parameters().back();
  ASSERT_TRUE(last.grad().defined());
  EXPECT_EQ(last.grad().abs().sum().item(), 0.0);
}

// As in PyTorch, the first bucket (the last layers, whose gradients are ready first) holds at most 1 MiB, so
// its all-reduce starts while backward goes on even when the whole model fits in one 25 MiB bucket.
TEST(DistributedDataParallel, FirstBucketIsSmall) {
  manual_seed(3);
  auto net = nn::Sequential(nn::Linear(256, 256), nn::Linear(256, 256), nn::Linear(256, 256),
                            nn::Linear(256, 256), nn::Linear(256, 256), nn::Linear(256, 256))
                 .ptr();
  dist::DistributedDataParallel ddp(net);
  const auto& buckets = ddp->bucket_indices();
  ASSERT_EQ(buckets.size(), 2u);
  // 257 KiB a layer: the last three layers and the bias of the third fill the first bucket, the rest the
  // second.
  EXPECT_EQ(buckets[0], (std::vector<int64_t>{11, 10, 9, 8, 7, 6, 5}));
  EXPECT_EQ(buckets[1].size(), 5u);
  dist::DistributedDataParallel one(net, {.first_bucket_cap_mb = 25.0});
  EXPECT_EQ(one->bucket_indices().size(), 1u);
}

TEST(DistributedDataParallel, BadInput) {
  EXPECT_THAT(testing::error_of([] { dist::DistributedDataParallel(nullptr); }),
              ::testing::HasSubstr("the module is null"));
  EXPECT_THAT(testing::error_of([] { dist::DistributedDataParallel(model(1, false), {.bucket_cap_mb = 0}); }),
              ::testing::HasSubstr("bucket_cap_mb must be positive"));
  EXPECT_THAT(
      testing::error_of([] { dist::DistributedDataParallel(model(1, false), {.first_bucket_cap_mb = -1}); }),
      ::testing::HasSubstr("first_bucket_cap_mb must be positive"));
}

}  // namespace
}  // namespace strata
