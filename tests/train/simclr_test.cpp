// SimCLR pre-training: views are reproducible per (seed, epoch, image) and independent of batching, and a
// few steps on easy synthetic images lower the NT-Xent loss.
#include "strata/train/simclr.h"

#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata::train {
namespace {

namespace image = data::image;

// Images of four kinds (a bright quadrant each) with noise: 1x8x8 f32.
Tensor quadrant_images(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = rand({n, 1, 8, 8}, {}, &g) * 0.3;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t q = i % 4;
    x.select(0, i).narrow(1, (q / 2) * 4, 4).narrow(2, (q % 2) * 4, 4).add_(0.7);
  }
  return x;
}

TEST(SimCLR, TwoViewsAreSeededPerImageAndIndependentOfBatching) {
  const Tensor images = quadrant_images(6, 1);
  const image::RandomTransform aug = image::Compose(
      {image::RandomResizedCrop({8, 8}, {.scale = {0.5, 1.0}}), image::RandomHorizontalFlip()});
  const auto [a1, a2] = two_views(images, aug, 3, 1, {0, 1, 2, 3});
  EXPECT_EQ(a1.shape(), (Shape{4, 1, 8, 8}));
  EXPECT_FALSE(equal(a1, a2));  // the two views differ
  const auto [b1, b2] = two_views(images, aug, 3, 1, {2, 3});
  EXPECT_TRUE(equal(a1.narrow(0, 2, 2), b1));
  EXPECT_TRUE(equal(a2.narrow(0, 2, 2), b2));
  const auto [c1, c2] = two_views(images, aug, 3, 2, {2, 3});  // another epoch, other views
  EXPECT_FALSE(equal(b1, c1));
  EXPECT_ERROR_CONTAINS(two_views(images, aug, 3, 1, {6}), "two_views", "6");
}

TEST(SimCLR, PretrainingLowersTheLoss) {
  manual_seed(0);
  const Tensor images = quadrant_images(64, 2);
  nn::Sequential encoder(nn::Conv2d(1, 8, 3, {.padding = 1}), nn::ReLU(), nn::AdaptiveAvgPool2d(2),
                         nn::Flatten());
  nn::Sequential projector(nn::Linear(32, 16), nn::ReLU(), nn::Linear(16, 8));
  std::vector<Tensor> params = encoder->parameters();
  for (const Tensor& p : projector->parameters()) params.push_back(p);
  optim::Adam adam(params, {.lr = 0.01});
  const image::RandomTransform aug =
      image::Compose({image::RandomResizedCrop({8, 8}, {.scale = {0.6, 1.0}})});
  int64_t steps = 0;
  const std::vector<double> losses = simclr_pretrain(*encoder, *projector, images, aug, adam,
                                                     {.epochs = 6,
                                                      .batch_size = 32,
                                                      .temperature = 0.5,
                                                      .seed = 1,
                                                      .on_step = [&](int64_t, int64_t, double) { ++steps; }});
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_EQ(steps, 12);
  EXPECT_LT(losses.back(), losses.front() - 0.1);
  EXPECT_ERROR_CONTAINS(simclr_pretrain(*encoder, *projector, images, aug, adam, {.batch_size = 1}),
                        "simclr_pretrain", "batch_size");
  EXPECT_ERROR_CONTAINS(simclr_pretrain(*encoder, *projector, zeros({4, 8}), aug, adam), "simclr_pretrain",
                        "[4, 8]");
}

}  // namespace
}  // namespace strata::train
