// Segmenter: the loss is cross-entropy + dice_weight * Dice, predictions are class maps, a short fit on one
// canvas learns it, and mismatched targets are refused.
#include "strata/models/segmenter.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "strata/metrics/segmentation.h"
#include "strata/models/unet.h"
#include "strata/ops/dice_loss.h"
#include "strata/ops/loss.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

std::shared_ptr<nn::Module> tiny_unet(int64_t classes) {
  return UNet(UNetOptions{.in_channels = 1, .num_classes = classes, .base_channels = 4, .depth = 2}).ptr();
}

TEST(Segmenter, LossIsCrossEntropyPlusWeightedDice) {
  manual_seed(0);
  Segmenter seg(tiny_unet(3), SegmenterOptions{.num_classes = 3, .dice_weight = 0.5});
  const Tensor logits = randn({2, 3, 4, 4});
  const Tensor target = randint(0, 3, {2, 4, 4}, {.dtype = kInt64});
  const SegmentationLoss l = seg->loss(logits, target);
  EXPECT_NEAR(l.cross_entropy.item<double>(), ops::cross_entropy(logits, target).item<double>(), 1e-6);
  EXPECT_NEAR(l.dice.item<double>(), ops::dice_loss(logits, target).item<double>(), 1e-6);
  EXPECT_NEAR(l.loss.item<double>(), l.cross_entropy.item<double>() + 0.5 * l.dice.item<double>(), 1e-6);
}

TEST(Segmenter, LearnsOneCanvas) {
  manual_seed(1);
  Segmenter seg(tiny_unet(3), SegmenterOptions{.num_classes = 3});
  // A bright square (class 1) and a dim one (class 2) on a dark background.
  Tensor x = zeros({1, 1, 16, 16});
  Tensor target = zeros({1, 16, 16}, {.dtype = kInt64});
  x.narrow(2, 2, 5).narrow(3, 2, 5).fill_(1.0);
  target.narrow(1, 2, 5).narrow(2, 2, 5).fill_(1.0);
  x.narrow(2, 9, 5).narrow(3, 8, 6).fill_(0.4);
  target.narrow(1, 9, 5).narrow(2, 8, 6).fill_(2.0);
  optim::Adam opt(seg->parameters(), {.lr = 1e-2});
  for (int step = 0; step < 150; ++step) {
    opt.zero_grad();
    seg->loss(seg->forward(x), target).loss.backward();
    opt.step();
  }
  const Tensor pred = seg->predict(x);
  EXPECT_EQ(pred.shape(), Shape({1, 16, 16}));
  EXPECT_GT(metrics::mean_iou(pred, target, 3), 0.9);
  EXPECT_TRUE(seg->is_training());  // predict restores the mode
}

TEST(Segmenter, RejectsBadTargetsAndModels) {
  Segmenter seg(tiny_unet(3), SegmenterOptions{.num_classes = 3});
  EXPECT_THROW(seg->loss(zeros({1, 3, 4, 4}), zeros({1, 4, 5}, {.dtype = kInt64})), Error);
  EXPECT_THROW(seg->loss(zeros({1, 3, 4, 4}), zeros({1, 4, 4})), Error);  // f32 target
  Segmenter wrong(tiny_unet(4), SegmenterOptions{.num_classes = 3});
  EXPECT_THROW(wrong->forward(zeros({1, 1, 8, 8})), Error);
  EXPECT_THROW(std::make_shared<SegmenterImpl>(nullptr), Error);
}

}  // namespace
}  // namespace strata::models
