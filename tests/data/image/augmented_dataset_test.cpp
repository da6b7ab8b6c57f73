#include "strata/data/image/augmented_dataset.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

// 24 distinct 1x8x8 images with labels 0..23.
std::shared_ptr<Dataset> images() {
  Generator g(1);
  return std::make_shared<TensorDataset>(rand({24, 1, 8, 8}, {}, &g), arange(24.0, {.dtype = kInt64}));
}

RandomTransform augmentation() {
  return Compose({RandomCrop({8, 8}, {.padding = Padding::all(2)}), RandomHorizontalFlip(),
                  RandomRotation(15, {.interpolation = Interpolation::Bilinear})});
}

// All batches of one epoch, concatenated.
std::vector<Batch> epoch(DataLoader& loader) {
  std::vector<Batch> out;
  for (const Batch& b : loader) out.push_back(b);
  return out;
}

bool same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i].input, b[i].input) || !equal(a[i].target, b[i].target)) return false;
  return true;
}

TEST(AugmentedDataset, SameSeedSameBatchesWhateverTheWorkers) {
  auto base = images();
  auto serial = std::make_shared<AugmentedDataset>(base, augmentation(), 42);
  auto parallel = std::make_shared<AugmentedDataset>(base, augmentation(), 42);
  DataLoader a(serial, {.batch_size = 5, .shuffle = true, .seed = 3});
  DataLoader b(parallel, {.batch_size = 5, .shuffle = true, .seed = 3, .num_workers = 3, .prefetch = 1});
  const auto a0 = epoch(a), b0 = epoch(b), a1 = epoch(a), b1 = epoch(b);
  EXPECT_TRUE(same(a0, b0));
  EXPECT_TRUE(same(a1, b1));
  // The second epoch augments differently (beyond the new order): compare each sample's two versions.
  int changed = 0;
  for (int64_t i = 0; i < 24; ++i) changed += equal(serial->get(i, 0).input, serial->get(i, 1).input) ? 0 : 1;
  EXPECT_GT(changed, 18);
}

TEST(AugmentedDataset, DrawsFollowEpochsAndDifferPerSample) {
  auto base = images();
  AugmentedDataset ds(base, augmentation(), 7);
  // The k-th read of an index is the draw for epoch k.
  const Example first = ds.get(3), second = ds.get(3);
  EXPECT_TRUE(equal(first.input, ds.get(3, 0).input));
  EXPECT_TRUE(equal(second.input, ds.get(3, 1).input));
  EXPECT_FALSE(equal(first.input, second.input));
  EXPECT_EQ(first.target.item(), 3.0);
  // set_epoch pins the counters (a resumed run).
  ds.set_epoch(5);
  EXPECT_TRUE(equal(ds.get(3).input, ds.get(3, 5).input));
  EXPECT_TRUE(equal(ds.get(10).input, ds.get(10, 5).input));
  // Different indices and different seeds get different generators.
  EXPECT_NE(ds.sample_seed(0, 0), ds.sample_seed(1, 0));
  EXPECT_NE(ds.sample_seed(0, 0), ds.sample_seed(0, 1));
  AugmentedDataset other(base, augmentation(), 8);
  EXPECT_NE(ds.sample_seed(0, 0), other.sample_seed(0, 0));
  EXPECT_EQ(ds.size(), 24);
  EXPECT_EQ(ds.base().size(), 24);
}

TEST(AugmentedDataset, AResumedLoaderDrawsWhatAnUninterruptedOneDoes) {
  auto base = images();
  // Uninterrupted: epochs 0, 1, 2 of one loader over a subset (the DataLoader's epoch reaches through it).
  auto straight = std::make_shared<AugmentedDataset>(base, augmentation(), 5);
  auto straight_part = std::make_shared<Subset>(straight, std::vector<int64_t>{0, 2, 4, 6, 8, 10, 12, 14});
  DataLoader a(straight_part, {.batch_size = 3, .shuffle = true, .seed = 9});
  epoch(a);
  epoch(a);
  const auto want = epoch(a);
  // Resumed at epoch 2 in a fresh dataset whose examples were also read elsewhere (a preview) beforehand.
  auto resumed = std::make_shared<AugmentedDataset>(base, augmentation(), 5);
  for (int64_t i = 0; i < 24; ++i) resumed->get(i);
  DataLoader b(std::make_shared<Subset>(resumed, std::vector<int64_t>{0, 2, 4, 6, 8, 10, 12, 14}),
               {.batch_size = 3, .shuffle = true, .seed = 9, .num_workers = 2});
  b.set_epoch(2);
  EXPECT_TRUE(same(epoch(b), want));
}

TEST(AugmentedDataset, BadArgumentsRaise) {
  EXPECT_ERROR_CONTAINS(AugmentedDataset(nullptr, augmentation(), 1), "AugmentedDataset", "null");
  EXPECT_ERROR_CONTAINS(AugmentedDataset(images(), RandomTransform(), 1), "AugmentedDataset", "empty");
  AugmentedDataset ds(images(), augmentation(), 1);
  EXPECT_ERROR_CONTAINS(ds.get(24), "AugmentedDataset", "index 24", "size 24");
  EXPECT_ERROR_CONTAINS(ds.get(0, -1), "AugmentedDataset", "epoch");
  EXPECT_ERROR_CONTAINS(ds.set_epoch(-2), "set_epoch");
  // A transform that fails reports through the DataLoader with its message.
  auto failing = std::make_shared<AugmentedDataset>(images(), RandomTransform(RandomCrop({20, 20})), 1);
  DataLoader loader(failing, {.batch_size = 4});
  EXPECT_ERROR_CONTAINS(loader.begin(), "RandomCrop", "larger than the image");
}

}  // namespace
}  // namespace strata::data::image
