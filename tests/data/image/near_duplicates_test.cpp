// Near-duplicate detection on real Fashion-MNIST images: planted copies that were brightened, blurred,
// re-quantised or resized are found, distinct images are not merged, and the dataset-level step drops
// exactly the copies and reports them.
#include "strata/data/image/near_duplicates.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "strata/core/factory.h"
#include "strata/data/image/functional.h"
#include "strata/data/mnist.h"
#include "strata/ops.h"

namespace strata::data::image {
namespace {

Tensor fashion_images(int64_t n) { return load_fashion_mnist(false).images.narrow(0, 0, n).contiguous(); }

TEST(PerceptualHash, IsStableUnderMildEdits) {
  // Over 200 images, each kind of edit keeps at least 90% of the copies within the default threshold (4 bits)
  // and none beyond 12 bits (measured: 93-99% within 4, worst 8-10).
  const Tensor images = fashion_images(200);
  const char* names[] = {"brightness x1.15", "blur 3x3", "resize 56 and back", "16 grey levels"};
  int64_t within[4] = {}, worst[4] = {};
  for (int64_t i = 0; i < images.size(0); ++i) {
    const Tensor img = images.select(0, i).unsqueeze(0);  // u8 [1, 28, 28]
    const ImageHash h = perceptual_hash(img);
    const Tensor f = img.to(kFloat32) / 255.0;
    const Tensor edited[] = {adjust_brightness(img, 1.15), gaussian_blur(img, {3, 3}, {0.6, 0.6}),
                             resize(resize(f, {56, 56}), {28, 28}),
                             (f * 15.0).to(kUInt8).to(kFloat32) / 15.0};
    for (int k = 0; k < 4; ++k) {
      const int d = hamming_distance(h, perceptual_hash(edited[k]));
      within[k] += d <= 4;
      worst[k] = std::max<int64_t>(worst[k], d);
    }
  }
  for (int k = 0; k < 4; ++k) {
    EXPECT_GE(within[k], 180) << names[k];
    EXPECT_LE(worst[k], 12) << names[k];
  }
}

TEST(PerceptualHash, SeparatesDifferentImages) {
  const std::vector<ImageHash> hashes = perceptual_hashes(fashion_images(300));
  int64_t close = 0, pairs = 0;
  double total = 0;
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t j = i + 1; j < hashes.size(); ++j) {
      const int d = hamming_distance(hashes[i], hashes[j]);
      total += d;
      close += d <= 4;
      ++pairs;
    }
  }
  EXPECT_GT(total / pairs, 20.0);  // unrelated pictures differ in many bits
  EXPECT_LT(close, pairs / 1000);  // and almost never fall under the default threshold
}

TEST(PerceptualHash, BatchEqualsOneByOneAndChecksInputs) {
  const Tensor images = fashion_images(20);
  const std::vector<ImageHash> batch = perceptual_hashes(images);
  ASSERT_EQ(batch.size(), 20u);
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(batch[i], perceptual_hash(images.select(0, i)));
  EXPECT_THROW(perceptual_hash(zeros({2, 5, 5})), Error);  // 2 channels
  EXPECT_THROW(perceptual_hash(zeros({5})), Error);        // not an image
  EXPECT_THROW(perceptual_hash(zeros({1, 5, 5}, {.dtype = kInt64})), Error);
  EXPECT_THROW(perceptual_hashes(zeros({5, 5})), Error);
  EXPECT_THROW(find_near_duplicates({1, 2}, {.max_distance = 65}), Error);
}

TEST(NearDuplicates, GroupsFollowTheFirstImage) {
  // 0 and 2 are one bit apart, 3 two bits from 2 but three from 0: with max_distance 2, 3 is not chained
  // into 0's group through 2, it stays.
  const std::vector<ImageHash> hashes{0b0000, 0xFF00FF00FF00FF00ull, 0b0001, 0b0111};
  const NearDuplicates found = find_near_duplicates(hashes, {.max_distance = 2});
  ASSERT_EQ(found.groups.size(), 1u);
  EXPECT_EQ(found.groups[0], (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(found.duplicates, (std::vector<int64_t>{2}));
  EXPECT_EQ(found.distances, (std::vector<int>{1}));
  EXPECT_TRUE(find_near_duplicates(hashes, {.max_distance = 0}).duplicates.empty());
}

TEST(NearDuplicates, DropsPlantedCopiesFromADataset) {
  const Tensor originals = fashion_images(200).unsqueeze(1);  // u8 [200, 1, 28, 28]
  // Append edited copies of images 7, 42 and 150, then an exact copy of 42.
  std::vector<Tensor> parts{originals};
  parts.push_back(adjust_brightness(originals.select(0, 7), 1.1).unsqueeze(0));
  parts.push_back(gaussian_blur(originals.select(0, 42), {3, 3}, {0.5, 0.5}).unsqueeze(0));
  parts.push_back(adjust_brightness(originals.select(0, 150), 0.9).unsqueeze(0));
  parts.push_back(originals.select(0, 42).unsqueeze(0));
  const Tensor images = F::cat(parts, 0);
  auto dataset =
      std::make_shared<TensorDataset>(images, arange(static_cast<double>(images.size(0)), {.dtype = kInt64}));

  const NearDuplicates baseline = find_near_duplicates(perceptual_hashes(originals));
  const DedupResult result = drop_near_duplicates(dataset);
  for (int64_t copy : {200, 201, 202, 203}) {
    EXPECT_TRUE(std::binary_search(result.found.duplicates.begin(), result.found.duplicates.end(), copy))
        << "copy " << copy << " not found";
  }
  // Nothing else beyond what the originals already held is dropped.
  EXPECT_EQ(result.found.duplicates.size(), baseline.duplicates.size() + 4);
  EXPECT_EQ(result.dataset->size(), images.size(0) - static_cast<int64_t>(result.found.duplicates.size()));
  EXPECT_EQ(result.report.rows_before, images.size(0));
  EXPECT_EQ(result.report.rows_after, result.dataset->size());
  EXPECT_EQ(result.report.removed_rows, result.found.duplicates);
  EXPECT_NE(result.report.markdown().find("drop_near_duplicate_images"), std::string::npos);
  // The kept images are the originals: every kept index is a label of the new dataset.
  for (int64_t i = 0; i < result.dataset->size(); ++i)
    EXPECT_LT(result.dataset->get(i).target.item<int64_t>(), 200);
}

}  // namespace
}  // namespace strata::data::image
