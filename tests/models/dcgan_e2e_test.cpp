// DCGAN and the conditional GAN trained end to end on a Fashion-MNIST subset through the Trainer (a few
// hundred steps, width 32): the discriminator does not collapse to a constant (its outputs differ between
// real and fake images and vary within each), the generator's samples move away from their initial ones and
// differ from one latent to the next, and the cGAN's samples of class k are classified as k by a small
// classifier trained here on real images, far above the 10% of chance.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "strata/data.h"
#include "strata/models/dcgan.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata::models {
namespace {

// The first n training images in [-1, 1] with their labels.
std::shared_ptr<data::TensorDataset> fashion_subset(int64_t n, bool train = true) {
  const data::FashionMNIST split(train);
  const Tensor x = split.inputs().slice(0, 0, n) * 2.0 - 1.0;
  return std::make_shared<data::TensorDataset>(x.contiguous(), split.targets().slice(0, 0, n).contiguous());
}

// Labels 0, 1, ..., 9, 0, 1, ... (n of them).
Tensor cycling_labels(int64_t n) {
  std::vector<int64_t> l(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) l[static_cast<size_t>(i)] = i % 10;
  return from_vector<int64_t>(l, {n});
}

double std_of(const Tensor& t) { return F::std(t).item(); }

struct Trained {
  std::shared_ptr<DCGAN> gan;
  Tensor before;  // samples from the fixed latents before training, in [0, 1]
  double seconds;
};

Trained train_gan(int64_t num_classes, int epochs, int64_t images) {
  manual_seed(0);
  auto gan = std::make_shared<DCGAN>(DCGANOptions{.latent_dim = 64, .num_classes = num_classes, .width = 32});
  const Tensor labels = num_classes > 0 ? cycling_labels(64) : Tensor();
  Generator fixed(1);
  const Tensor before = gan->sample(64, labels, fixed);
  const auto start = std::chrono::steady_clock::now();
  data::DataLoader loader(fashion_subset(images),
                          {.batch_size = 64, .shuffle = true, .seed = 0, .drop_last = true});
  train::Trainer trainer(gan);
  const train::History h = trainer.fit(loader, {.epochs = epochs, .progress = false});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%s: %d epochs x %lld steps in %.1f s; last epoch d_loss %.3f g_loss %.3f d_real %.3f d_fake %.3f\n",
      num_classes > 0 ? "cgan" : "dcgan", epochs, static_cast<long long>(loader.size()), seconds,
      h.epochs.back().at("d_loss"), h.epochs.back().at("g_loss"), h.epochs.back().at("d_real"),
      h.epochs.back().at("d_fake"));
  return {gan, before, seconds};
}

// The discriminator tells the two apart on average, and its logits spread within each set.
void expect_discriminator_alive(DCGAN& gan, int64_t num_classes) {
  NoGradGuard no_grad;
  gan.discriminator->eval();
  const auto real = fashion_subset(256, /*train=*/false);
  const Tensor labels = num_classes > 0 ? real->targets() : Tensor();
  Generator g(3);
  const Tensor fake = gan.sample(256, labels, g) * 2.0 - 1.0;
  const Tensor d_real = gan.discriminator->forward(real->inputs(), labels);
  const Tensor d_fake = gan.discriminator->forward(fake, labels);
  gan.discriminator->train();
  const double mean_real = F::mean(F::sigmoid(d_real)).item(), mean_fake = F::mean(F::sigmoid(d_fake)).item();
  std::printf("  D(real) %.3f +- %.3f, D(fake) %.3f +- %.3f (probabilities; logit std %.3f / %.3f)\n",
              mean_real, std_of(F::sigmoid(d_real)), mean_fake, std_of(F::sigmoid(d_fake)), std_of(d_real),
              std_of(d_fake));
  EXPECT_GT(mean_real - mean_fake, 0.05);
  EXPECT_GT(std_of(d_real), 0.05);
  EXPECT_GT(std_of(d_fake), 0.05);
}

void expect_samples_moved_and_varied(DCGAN& gan, const Tensor& before, int64_t num_classes) {
  const Tensor labels = num_classes > 0 ? cycling_labels(64) : Tensor();
  Generator fixed(1);
  const Tensor after = gan.sample(64, labels, fixed);
  const double moved = F::mean(F::abs(after - before)).item();
  // Spread across latents: the per-pixel standard deviation over the 64 samples, averaged over pixels.
  const double spread = F::mean(F::std(after.reshape({64, -1}), {0})).item();
  std::printf("  samples moved %.3f (mean |after - before|), spread over latents %.3f\n", moved, spread);
  EXPECT_GT(moved, 0.1);
  EXPECT_GT(spread, 0.05);
}

TEST(DCGANE2E, TrainsWithoutCollapse) {
  const int threads = get_num_threads();
  set_num_threads(1);
  const Trained t = train_gan(0, 2, 9600);  // 300 steps
  expect_discriminator_alive(*t.gan, 0);
  expect_samples_moved_and_varied(*t.gan, t.before, 0);
  set_num_threads(threads);
}

TEST(DCGANE2E, ConditionalSamplesAreClassifiedAsTheirClass) {
  const int threads = get_num_threads();
  set_num_threads(1);
  const Trained t = train_gan(10, 2, 9600);
  expect_discriminator_alive(*t.gan, 10);
  expect_samples_moved_and_varied(*t.gan, t.before, 10);

  // A small classifier on 10,000 real images in [-1, 1] (test accuracy ~80%), then 50 samples per class.
  manual_seed(0);
  nn::Sequential clf(nn::Conv2d(1, 8, 5, {.stride = 2, .padding = 2}), nn::ReLU(), nn::Flatten(),
                     nn::Linear(8 * 14 * 14, 10));
  data::DataLoader loader(fashion_subset(10000), {.batch_size = 100, .shuffle = true, .seed = 1});
  train::Trainer trainer(clf.ptr(), optim::Adam(clf->parameters(), {.lr = 2e-3}), nn::CrossEntropyLoss());
  trainer.fit(loader, {.epochs = 2, .progress = false});
  data::DataLoader test(fashion_subset(2000, false), {.batch_size = 1000});
  const double real_acc = trainer.evaluate(test).at("accuracy");
  const Tensor labels = cycling_labels(500);
  Generator g(4);
  NoGradGuard no_grad;
  clf->eval();
  const Tensor predicted = F::argmax(clf->forward(t.gan->sample(500, labels, g) * 2.0 - 1.0), 1);
  const double acc = F::mean(F::eq(predicted, labels).to(kFloat32)).item();
  std::printf("  classifier: %.3f on real test images, %.3f on cGAN samples (chance 0.1)\n", real_acc, acc);
  EXPECT_GT(real_acc, 0.7);
  EXPECT_GT(acc, 0.5);
  set_num_threads(threads);
}

}  // namespace
}  // namespace strata::models
