// Magnitude pruning: per-layer and global thresholds, masks held through training, remove, reports, errors.
#include "strata/compress/prune.h"

#include "blobs_dataset.h"
#include "strata/compress/prune_schedule.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train.h"
#include "test_util.h"

namespace strata::compress {
namespace {

using strata::testing::blobs;

std::vector<float> values(const Tensor& t) { return t.detach().contiguous().to_vector<float>(); }

TEST(Prune, PrunableWeightsAreLinearAndConvWeights) {
  nn::Sequential net(nn::Conv2d(1, 2, 3), nn::BatchNorm2d(2), nn::ReLU(), nn::Flatten(), nn::Linear(8, 3));
  const auto w = prunable_weights(*net);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].first, "0.weight");
  EXPECT_EQ(w[1].first, "4.weight");
}

// a = [1, -2, 3, -4] and b = [10, 20, -30, 40]: per layer, half of each goes; globally, all of a goes.
TEST(Prune, PerLayerAndGlobalThresholdsDiffer) {
  auto make = [] {
    return std::vector<std::pair<std::string, Tensor>>{{"a", from_vector<float>({1, -2, 3, -4}, {2, 2})},
                                                       {"b", from_vector<float>({10, 20, -30, 40}, {2, 2})}};
  };
  PruningMasks layer(make());
  layer.l1_unstructured(0.5);
  EXPECT_EQ(values(layer.mask("a")), (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(values(layer.mask("b")), (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(values(layer.weights()[0].second), (std::vector<float>{0, 0, 3, -4}));
  EXPECT_DOUBLE_EQ(layer.sparsity(), 0.5);

  PruningMasks global(make());
  global.global_unstructured(0.5);
  EXPECT_EQ(values(global.mask("a")), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(values(global.mask("b")), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(values(global.weights()[1].second), (std::vector<float>{10, 20, -30, 40}));
  // 3 of 8 entries: |1|, |-2|, |3|.
  PruningMasks three(make());
  three.global_unstructured(0.375);
  EXPECT_EQ(values(three.mask("a")), (std::vector<float>{0, 0, 0, 1}));
}

TEST(Prune, MasksOnlyGrowAndTiesGoToTheLowerIndex) {
  PruningMasks m({{"w", from_vector<float>({5, 1, 1, 1, 2, 3}, {6})}});
  m.l1_unstructured(0.34);  // round(2.04) = 2 of the three ones: the first two
  EXPECT_EQ(values(m.mask("w")), (std::vector<float>{1, 0, 0, 1, 1, 1}));
  m.l1_unstructured(0.1);  // lower than now: nothing changes
  EXPECT_EQ(values(m.mask("w")), (std::vector<float>{1, 0, 0, 1, 1, 1}));
  m.l1_unstructured(0.5);  // a total, not a fraction of what is left
  EXPECT_EQ(values(m.mask("w")), (std::vector<float>{1, 0, 0, 0, 1, 1}));
  m.l1_unstructured(1.0);
  EXPECT_DOUBLE_EQ(m.sparsity(), 1.0);
}

// Pruned weights stay exactly zero through training with SGD (momentum, weight decay) and Adam, while the
// others train.
TEST(Prune, MasksHoldThroughTraining) {
  for (int use_adam = 0; use_adam < 2; ++use_adam) {
    manual_seed(1);
    nn::Sequential net(nn::Linear(2, 32), nn::ReLU(), nn::Linear(32, 32), nn::ReLU(), nn::Linear(32, 3));
    auto masks = std::make_shared<PruningMasks>(PruningMasks::for_model(*net));
    std::shared_ptr<optim::Optimizer> opt;
    if (use_adam) {
      opt = std::make_shared<optim::Adam>(net->parameters(),
                                          optim::AdamOptions{.lr = 1e-2, .weight_decay = 1e-3});
    } else {
      opt = std::make_shared<optim::SGD>(net->parameters(),
                                         optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
    }
    train::Trainer trainer(net.ptr(), opt, nn::CrossEntropyLoss());
    data::DataLoader loader(blobs(400, 2), {.batch_size = 32, .shuffle = true, .seed = 4});
    const std::vector<float> before = values((*net)[2]->parameters()[0]);
    auto schedule = std::make_shared<PruningSchedule>(masks, one_shot(0.7));
    const train::History h = trainer.fit(loader, {.epochs = 3, .callbacks = {schedule}, .progress = false});
    EXPECT_GT(h.epochs.back().at("accuracy"), 0.9);
    EXPECT_EQ(schedule->steps(), 3 * 13);
    EXPECT_NEAR(masks->sparsity(), 0.7, 1e-3);
    for (size_t i = 0; i < masks->weights().size(); ++i) {
      const std::vector<float> w = values(masks->weights()[i].second), m = values(masks->masks()[i]);
      for (size_t k = 0; k < w.size(); ++k) {
        if (m[k] == 0.0f) {
          ASSERT_EQ(w[k], 0.0f) << masks->weights()[i].first << " entry " << k;
        }
      }
    }
    const std::vector<float> after = values((*net)[2]->parameters()[0]);
    const std::vector<float> mask = values(masks->mask("2.weight"));
    int changed = 0;
    for (size_t k = 0; k < after.size(); ++k) changed += mask[k] != 0.0f && after[k] != before[k];
    EXPECT_GT(changed, 0);
  }
}

TEST(Prune, RemoveKeepsZerosAndReleasesTheWeights) {
  manual_seed(2);
  nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
  auto masks = std::make_shared<PruningMasks>(PruningMasks::for_model(*net));
  masks->global_unstructured(0.5);
  masks->remove();
  EXPECT_TRUE(masks->removed());
  const auto report = sparsity_report(prunable_weights(*net));
  EXPECT_NEAR(report.back().sparsity(), 0.5, 0.01);
  EXPECT_ERROR_CONTAINS(masks->mask("0.weight"), "removed");
  EXPECT_ERROR_CONTAINS(masks->remove(), "removed already");
  EXPECT_ERROR_CONTAINS(masks->l1_unstructured(0.6), "removed");
  // Training without masks makes pruned weights non-zero again.
  train::Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), nn::CrossEntropyLoss());
  data::DataLoader loader(blobs(64, 3), {.batch_size = 32});
  trainer.fit(loader, {.epochs = 1, .progress = false});
  EXPECT_LT(sparsity_report(prunable_weights(*net)).back().sparsity(), 0.4);
  // A schedule needs live masks.
  PruningSchedule schedule(masks, one_shot(0.5));
  EXPECT_ERROR_CONTAINS(schedule.on_train_begin(trainer), "masks were removed");
}

TEST(Prune, SparsityReport) {
  const std::vector<std::pair<std::string, Tensor>> w = {
      {"fc1.weight", from_vector<float>({0, 1, 0, 2}, {2, 2})},
      {"fc2.weight", from_vector<float>({0, 0, 0, 3}, {4})}};
  const auto report = sparsity_report(w);
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].zeros, 2);
  EXPECT_DOUBLE_EQ(report[1].sparsity(), 0.75);
  EXPECT_EQ(report[2].name, "total");
  EXPECT_EQ(report[2].numel, 8);
  EXPECT_EQ(report[2].zeros, 5);
  const std::string text = format_sparsity_report(report);
  EXPECT_NE(text.find("fc2.weight"), std::string::npos);
  EXPECT_NE(text.find("62.50%"), std::string::npos);
}

TEST(Prune, RejectsBadInput) {
  nn::Sequential no_weights{nn::ReLU()};
  EXPECT_ERROR_CONTAINS(PruningMasks::for_model(*no_weights), "no weight to prune");
  EXPECT_ERROR_CONTAINS(PruningMasks({{"i", from_vector<int64_t>({1, 2})}}), "weight i has dtype",
                        "f32 or f64");
  PruningMasks m({{"w", from_vector<float>({1, 2})}});
  EXPECT_ERROR_CONTAINS(m.l1_unstructured(1.5), "sparsity must be in [0, 1], got 1.5");
  EXPECT_ERROR_CONTAINS(m.global_unstructured(-0.1), "global_unstructured", "sparsity must be in [0, 1]");
  EXPECT_ERROR_CONTAINS(m.mask("v"), "no pruned weight named 'v'", "pruned: w");
}

}  // namespace
}  // namespace strata::compress
