#include "strata/data/dataloader.h"

#include <omp.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "data_test_util.h"

namespace strata::data {
namespace {

using testing::IndexDataset;

// The targets (= sample indices) of every batch of one epoch.
std::vector<std::vector<int64_t>> epoch_indices(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& b : loader) out.push_back(b.target.to_vector<int64_t>());
  return out;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// ---- default_collate ----------------------------------------------------------------------------

TEST(DefaultCollate, StacksInputsAndTargets) {
  IndexDataset ds(5);
  Batch b = default_collate({ds.get(3), ds.get(1), ds.get(4)});
  EXPECT_EQ(b.size(), 3);
  EXPECT_EQ(b.input.shape(), (Shape{3, 2}));
  EXPECT_EQ(b.input.dtype(), kFloat32);
  EXPECT_EQ(b.input.to_vector<float>(), (std::vector<float>{3, -3, 1, -1, 4, -4}));
  EXPECT_EQ(b.target.shape(), (Shape{3}));  // 0-dim targets become [B]
  EXPECT_EQ(b.target.dtype(), kInt64);
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{3, 1, 4}));
}

TEST(DefaultCollate, CopiesNonContiguousExamples) {
  Tensor m = arange(6).reshape({2, 3});
  Batch b = default_collate({{m.t(), scalar_tensor(0)}, {m.t() * 10.0, scalar_tensor(1)}});
  EXPECT_EQ(b.input.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(b.input.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5, 0, 30, 10, 40, 20, 50}));
  EXPECT_TRUE(b.input.is_contiguous());
}

TEST(DefaultCollate, UndefinedTargetsStayUndefined) {
  Batch b = default_collate({{ones({2}), Tensor()}, {zeros({2}), Tensor()}});
  EXPECT_EQ(b.input.shape(), (Shape{2, 2}));
  EXPECT_FALSE(b.target.defined());
}

TEST(DefaultCollate, RejectsMismatchedExamples) {
  EXPECT_ERROR_CONTAINS(
      default_collate({{zeros({2, 3}), scalar_tensor(0)}, {zeros({3, 2}), scalar_tensor(0)}}),
      "default_collate", "example 1", "input", "[3, 2]", "[2, 3]");
  EXPECT_ERROR_CONTAINS(
      default_collate({{zeros({2}), scalar_tensor(0)}, {zeros({2}, {.dtype = kFloat64}), scalar_tensor(0)}}),
      "default_collate", "f64", "f32");
  EXPECT_ERROR_CONTAINS(default_collate({{zeros({2}), scalar_tensor(0)}, {zeros({2}), Tensor()}}),
                        "default_collate", "example 1 has no target");
  EXPECT_ERROR_CONTAINS(default_collate({}), "default_collate", "no examples");
}

// ---- batching and order -------------------------------------------------------------------------

TEST(DataLoader, SequentialBatchesWithPartialLast) {
  DataLoader loader(std::make_shared<IndexDataset>(10), {.batch_size = 4});
  EXPECT_EQ(loader.size(), 3);
  auto batches = epoch_indices(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(batches[2], (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(flat(batches), iota(10));
}

TEST(DataLoader, DropLastDropsThePartialBatch) {
  DataLoader loader(std::make_shared<IndexDataset>(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.size(), 2);
  auto batches = epoch_indices(loader);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<int64_t>{4, 5, 6, 7}));
  DataLoader exact(std::make_shared<IndexDataset>(8), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(exact.size(), 2);
  DataLoader too_small(std::make_shared<IndexDataset>(3),
                       {.batch_size = 4, .drop_last = true, .num_workers = 2});
  EXPECT_EQ(too_small.size(), 0);
  EXPECT_TRUE(epoch_indices(too_small).empty());
}

TEST(DataLoader, EmptyDatasetGivesNoBatches) {
  DataLoader loader(std::make_shared<IndexDataset>(0), {.batch_size = 4, .num_workers = 2});
  EXPECT_EQ(loader.size(), 0);
  EXPECT_TRUE(loader.begin() == loader.end());
}

TEST(DataLoader, ShuffleVisitsEverySampleOncePerEpoch) {
  DataLoader loader(std::make_shared<IndexDataset>(37), {.batch_size = 5, .shuffle = true, .seed = 11});
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto order = flat(epoch_indices(loader));
    EXPECT_NE(order, iota(37));
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, iota(37));
  }
  EXPECT_EQ(loader.epoch(), 3);
}

TEST(DataLoader, EpochsDifferAndSetEpochReproduces) {
  auto ds = std::make_shared<IndexDataset>(64);
  DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .seed = 5});
  const auto e0 = epoch_indices(loader);
  const auto e1 = epoch_indices(loader);  // the second loop is the next epoch
  const auto e2 = epoch_indices(loader);
  EXPECT_NE(e0, e1);
  EXPECT_NE(e1, e2);
  loader.set_epoch(1);
  EXPECT_EQ(epoch_indices(loader), e1);
  EXPECT_EQ(epoch_indices(loader), e2);
  // A fresh loader with the same seed gives the same epochs; another seed does not.
  DataLoader same(ds, {.batch_size = 8, .shuffle = true, .seed = 5});
  EXPECT_EQ(epoch_indices(same), e0);
  DataLoader other(ds, {.batch_size = 8, .shuffle = true, .seed = 6});
  EXPECT_NE(epoch_indices(other), e0);
  EXPECT_ERROR_CONTAINS(loader.set_epoch(-1), "DataLoader", "set_epoch", "-1");
}

TEST(DataLoader, ShuffleIgnoresTheGlobalGenerator) {
  auto ds = std::make_shared<IndexDataset>(30);
  DataLoader a(ds, {.batch_size = 7, .shuffle = true, .seed = 3});
  DataLoader b(ds, {.batch_size = 7, .shuffle = true, .seed = 3});
  manual_seed(1);
  const auto ea = epoch_indices(a);
  manual_seed(2);
  EXPECT_EQ(epoch_indices(b), ea);
}

TEST(DataLoader, BatchesAreIdenticalWhateverTheWorkerCount) {
  Generator g(17);
  auto ds = std::make_shared<TensorDataset>(randn({203, 3, 4}, {}, &g),
                                            randint(0, 10, {203}, {.dtype = kInt64}, &g));
  std::vector<std::vector<Batch>> runs;
  for (auto [workers, prefetch] : std::vector<std::pair<int, int>>{{0, 2}, {1, 2}, {2, 1}, {3, 2}, {4, 4}}) {
    DataLoader loader(
        ds, {.batch_size = 16, .shuffle = true, .seed = 9, .num_workers = workers, .prefetch = prefetch});
    loader.set_epoch(2);
    std::vector<Batch> batches;
    for (const Batch& b : loader) batches.push_back(b);
    runs.push_back(std::move(batches));
  }
  ASSERT_EQ(runs[0].size(), 13u);
  EXPECT_EQ(runs[0].back().size(), 203 - 12 * 16);
  for (size_t r = 1; r < runs.size(); ++r) {
    ASSERT_EQ(runs[r].size(), runs[0].size());
    for (size_t i = 0; i < runs[0].size(); ++i) {
      EXPECT_TRUE(equal(runs[r][i].input, runs[0][i].input)) << "run " << r << " batch " << i;
      EXPECT_TRUE(equal(runs[r][i].target, runs[0][i].target)) << "run " << r << " batch " << i;
    }
  }
}

TEST(DataLoader, SlowExamplesStillArriveInOrder) {
  // Examples take time, so workers finish out of order; delivery must not.
  DataLoader loader(std::make_shared<IndexDataset>(40, -1, 200),
                    {.batch_size = 3, .num_workers = 4, .prefetch = 1});
  EXPECT_EQ(flat(epoch_indices(loader)), iota(40));
}

TEST(DataLoader, CustomCollate) {
  DataLoaderOptions options{.batch_size = 3};
  options.collate = [](const std::vector<Example>& examples) {
    Batch b = default_collate(examples);
    b.input = b.input.sum(Shape{1});  // {i, -i} -> 0
    b.target = full({1}, static_cast<double>(examples.size()), {.dtype = kInt64});
    return b;
  };
  options.num_workers = 2;
  DataLoader loader(std::make_shared<IndexDataset>(7), options);
  std::vector<int64_t> sizes;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.input.to_vector<float>(), std::vector<float>(static_cast<size_t>(b.size()), 0.0f));
    sizes.push_back(b.target.to_vector<int64_t>()[0]);
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 1}));
}

// ---- workers: shutdown, errors, threads ---------------------------------------------------------

TEST(DataLoader, AbandonedEpochShutsDownCleanly) {
  auto ds = std::make_shared<IndexDataset>(200, -1, 50);
  DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .num_workers = 3, .prefetch = 2});
  int seen = 0;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.size(), 4);
    if (++seen == 2) break;
  }
  // Prefetch is bounded: at most 2 consumed + 3 * 2 buffered + 3 in the hands of workers.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(ds->calls(), (2 + 3 * 2 + 3) * 4);
  // The next epoch starts from scratch and runs to the end.
  auto order = flat(epoch_indices(loader));
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, iota(200));
  // Abandon again and destroy the loader while workers are busy.
  { auto it = loader.begin(); }
}

TEST(DataLoader, DestroyedMidEpochWithBusyWorkers) {
  auto ds = std::make_shared<IndexDataset>(1000, -1, 1000);
  auto loader = std::make_unique<DataLoader>(ds, DataLoaderOptions{.batch_size = 8, .num_workers = 4});
  auto it = loader->begin();
  EXPECT_EQ(it->size(), 8);
  loader.reset();  // joins the workers after the batches in hand; must not hang or crash
  EXPECT_LT(ds->calls(), 1000);
}

TEST(DataLoader, WorkerExceptionsReachTheConsumerWithTheBatchIndex) {
  for (int workers : {0, 2}) {
    // Index 9 lives in batch 2 (batch size 4, no shuffle).
    DataLoader loader(std::make_shared<IndexDataset>(20, 9), {.batch_size = 4, .num_workers = workers});
    std::vector<int64_t> seen;
    try {
      for (const Batch& b : loader) seen.push_back(b.target.to_vector<int64_t>()[0]);
      ADD_FAILURE() << "expected an error with " << workers << " workers";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("DataLoader"), std::string::npos) << msg;
      EXPECT_NE(msg.find("batch 2"), std::string::npos) << msg;
      EXPECT_NE(msg.find("IndexDataset: example 9 is broken"), std::string::npos) << msg;
    }
    EXPECT_EQ(seen, (std::vector<int64_t>{0, 4}));  // the batches before the broken one were delivered
    // The loader stays usable: the next epoch fails at the same batch again.
    EXPECT_ERROR_CONTAINS(epoch_indices(loader), "batch 2", "epoch 1");
  }
}

TEST(DataLoader, CollateExceptionsInWorkersArePropagated) {
  DataLoaderOptions options{.batch_size = 2, .num_workers = 2};
  options.collate = [](const std::vector<Example>& examples) -> Batch {
    if (examples[0].target.item<int64_t>() == 4) throw std::runtime_error("collate refused");
    return default_collate(examples);
  };
  DataLoader loader(std::make_shared<IndexDataset>(8), options);
  EXPECT_ERROR_CONTAINS(epoch_indices(loader), "batch 2", "collate refused");
}

// Records the OpenMP thread budget seen by get().
class OmpProbe : public Dataset {
 public:
  int64_t size() const override { return 16; }
  Example get(int64_t index) const override {
    max_seen_.store(std::max(max_seen_.load(), omp_get_max_threads()));
    return {zeros({1}), scalar_tensor(static_cast<double>(index), {.dtype = kInt64})};
  }
  int max_seen() const { return max_seen_.load(); }

 private:
  mutable std::atomic<int> max_seen_{0};
};

TEST(DataLoader, WorkersRunOpsSingleThreaded) {
  auto probe = std::make_shared<OmpProbe>();
  DataLoader loader(probe, {.batch_size = 2, .num_workers = 2});
  EXPECT_EQ(flat(epoch_indices(loader)), iota(16));
  EXPECT_EQ(probe->max_seen(), 1);
}

TEST(DataLoader, WorkersNeedInOrderReads) {
  DataLoader loader(std::make_shared<IndexDataset>(12), {.batch_size = 2, .num_workers = 2});
  auto it = loader.begin();
  auto copy = it;
  ++it;
  EXPECT_EQ(it->target.to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
  EXPECT_ERROR_CONTAINS(++copy, "DataLoader", "in order", "batch 1", "next is 2");
}

TEST(DataLoader, RejectsBadOptions) {
  auto ds = std::make_shared<IndexDataset>(4);
  EXPECT_ERROR_CONTAINS(DataLoader(ds, {.batch_size = 0}), "DataLoader", "batch_size", "0");
  EXPECT_ERROR_CONTAINS(DataLoader(ds, {.num_workers = -1}), "DataLoader", "num_workers", "-1");
  EXPECT_ERROR_CONTAINS(DataLoader(ds, {.prefetch = 0}), "DataLoader", "prefetch");
  EXPECT_ERROR_CONTAINS(DataLoader(nullptr), "DataLoader", "null");
  DataLoaderOptions no_collate;
  no_collate.collate = nullptr;
  EXPECT_ERROR_CONTAINS(DataLoader(ds, no_collate), "DataLoader", "collate");
}

}  // namespace
}  // namespace strata::data
