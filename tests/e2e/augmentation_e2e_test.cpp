// Augmentation helps: LeNet-5 trained on a 2,000-image Fashion-MNIST subset with random crop (padding 2),
// horizontal flip and rotation (+-10 degrees, bilinear) beats the same run without augmentation on the full
// 10,000-image test set. Everything is seeded (subset, initial weights, shuffle, augmentation), so both runs
// start from the same weights and see the same batches in the same order; only the augmentation differs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "strata/data.h"
#include "strata/data/image/all.h"
#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata {
namespace {

constexpr int64_t kTrainSize = 2000;
constexpr int kEpochs = 30;
constexpr int64_t kBatch = 64;
constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST pixel statistics

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

struct RunResult {
  double accuracy;
  double seconds;
};

RunResult train_and_test(std::shared_ptr<const data::Dataset> train_set, data::DataLoader& test,
                         bool augment) {
  const auto start = std::chrono::steady_clock::now();
  const data::image::Normalize normalize({kMean}, {kStd});
  std::vector<data::image::RandomTransform> parts;
  if (augment) {
    std::vector<data::image::RandomTransform> geo;
    if (env_int("STRATA_AUG_PAD", 2) > 0)
      geo.push_back(data::image::RandomCrop({28, 28}, {.padding = data::image::Padding::all(env_int("STRATA_AUG_PAD", 2))}));
    if (env_int("STRATA_AUG_ROT", 10) > 0)
      geo.push_back(data::image::RandomRotation(env_int("STRATA_AUG_ROT", 10), {.interpolation = env_int("STRATA_AUG_NEAREST", 0) ? data::image::Interpolation::Nearest : data::image::Interpolation::Bilinear}));
    const int apply = env_int("STRATA_AUG_APPLY", 100);
    if (!geo.empty()) {
      if (apply >= 100) parts.insert(parts.end(), geo.begin(), geo.end());
      else parts.push_back(data::image::RandomApply(data::image::Compose(geo), apply / 100.0));
    }
    if (env_int("STRATA_AUG_FLIP", 1)) parts.push_back(data::image::RandomHorizontalFlip());
  }
  parts.push_back(normalize);
  data::image::RandomTransform transform = data::image::Compose(parts);
  auto samples =
      std::make_shared<data::image::AugmentedDataset>(std::move(train_set), transform, /*seed=*/11);
  data::DataLoader loader(
      samples,
      {.batch_size = env_int("STRATA_AUG_BATCH", kBatch), .shuffle = true, .seed = 5, .num_workers = 2});
  manual_seed(0);  // the same initial weights for both runs
  auto net = models::lenet5(10);
  train::Trainer trainer(
      net.ptr(),
      optim::Adam(net->parameters(),
                  {.lr = std::getenv("STRATA_AUG_LR") ? std::atof(std::getenv("STRATA_AUG_LR")) : 1e-3}),
      nn::CrossEntropyLoss());
  if (env_int("STRATA_AUG_COS", 0))
    trainer.set_scheduler(std::make_shared<optim::CosineAnnealingLR>(trainer.optimizer(),
                                                                     env_int("STRATA_AUG_EPOCHS", kEpochs)));
  const int epochs = env_int("STRATA_AUG_EPOCHS", kEpochs), lastk = env_int("STRATA_AUG_LASTK", 1);
  trainer.fit(loader, {.epochs = epochs - lastk, .progress = false});
  double acc = 0.0;
  for (int k = 0; k < lastk; ++k) {
    trainer.fit(loader, {.epochs = 1, .progress = false});
    const double a = trainer.evaluate(test).at("accuracy");
    if (env_int("STRATA_AUG_VAL", 0)) std::printf("%s epoch %d test %.4f\n", augment ? "aug" : "plain", trainer.epoch(), a);
    acc += a / lastk;
  }
  return {acc, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

TEST(AugmentationE2E, FlipCropRotationBeatsNoAugmentationOnFashionMnist) {
  // LeNet on batches of 64 is too small for an OpenMP team: one compute thread, and the DataLoader workers
  // augment beside it (idle OpenMP threads spinning on a busy 2-core machine made this 10x slower).
  const int threads = get_num_threads();
  set_num_threads(1);
  auto full = std::make_shared<data::FashionMNIST>(/*train=*/true);
  // A seeded random subset of 2,000 training images.
  auto subset =
      data::random_split(full, std::vector<int64_t>{kTrainSize, full->size() - kTrainSize}, /*seed=*/3)[0];
  auto test_set = std::make_shared<data::FashionMNIST>(/*train=*/false);
  auto test_norm =
      std::make_shared<data::TransformDataset>(test_set, data::transforms::normalize({kMean}, {kStd}));
  data::DataLoader test(test_norm, {.batch_size = 500});

  const RunResult plain = env_int("STRATA_AUG_SKIP_PLAIN", 0) ? RunResult{0, 0} : train_and_test(subset, test, /*augment=*/false);
  const RunResult augmented = train_and_test(subset, test, /*augment=*/true);
  std::printf(
      "Fashion-MNIST, 2000 training images, LeNet-5, %d epochs: test accuracy %.4f without augmentation "
      "(%.1f s), %.4f with flip/crop/rotation (%.1f s), margin %+.4f\n",
      env_int("STRATA_AUG_EPOCHS", kEpochs), plain.accuracy, plain.seconds, augmented.accuracy,
      augmented.seconds, augmented.accuracy - plain.accuracy);
  EXPECT_GT(augmented.accuracy, plain.accuracy + 0.01);
  EXPECT_GT(plain.accuracy, 0.75);  // both runs train properly
  set_num_threads(threads);
}

}  // namespace
}  // namespace strata
