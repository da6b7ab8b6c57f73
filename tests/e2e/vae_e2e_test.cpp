// The VAE trained as a TrainingModule on a Fashion-MNIST subset for a few hundred steps: the test-set ELBO
// improves by at least 150 nats per image over the untrained model (from about -550 to above -400), the run
// folder holds val_elbo per epoch and a sample grid per epoch, and samples vary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "strata/data.h"
#include "strata/models/vae.h"
#include "strata/train/trainer.h"
#include "temp_path.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<data::TensorDataset> subset(bool train, int64_t n) {
  const data::FashionMNIST split(train);
  return std::make_shared<data::TensorDataset>(split.inputs().slice(0, 0, n), split.targets().slice(0, 0, n));
}

TEST(VAEE2E, TestElboImprovesByAWideMargin) {
  manual_seed(0);
  const std::string out = testing::unique_temp_path("vae_e2e").string();
  fs::remove_all(out);
  data::DataLoader train(subset(true, 4000),
                         {.batch_size = 64, .shuffle = true, .seed = 0, .drop_last = true});
  data::DataLoader test(subset(false, 1000), {.batch_size = 250});
  auto vae = models::VAE(models::VAEOptions{.latent_dim = 16, .hidden_channels = 16}).ptr();
  train::Trainer trainer(vae);
  const double before = trainer.evaluate(test).at("elbo");
  const train::History h =
      trainer.fit(train, {.epochs = 5, .validation = &test, .out_dir = out, .progress = false});
  ASSERT_EQ(h.epochs.size(), 5u);  // 5 x 62 = 310 steps
  const double after = h.epochs.back().at("val_elbo");
  std::cout << fmt::format("test ELBO {:.1f} -> {:.1f} nats per image\n", before, after);
  EXPECT_LT(before, -500) << "an untrained Bernoulli decoder costs about log 2 nats per pixel";
  EXPECT_GT(after - before, 150) << "test ELBO " << before << " -> " << after;
  EXPECT_GT(after, -400);
  EXPECT_GT(h.epochs.back().at("val_elbo"), h.epochs.front().at("val_elbo"));
  EXPECT_GT(h.epochs.back().at("val_kl"), 1.0) << "the posterior collapsed onto the prior";
  // Files of the run: val_elbo in metrics.csv, a grid per epoch.
  std::ifstream csv(out + "/metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find("val_elbo"), std::string::npos) << header;
  for (int e = 1; e <= 5; ++e)
    EXPECT_TRUE(fs::exists(fmt::format("{}/samples_epoch_{}.png", out, e))) << "epoch " << e;
  // Samples differ from one another.
  Generator g(1);
  const Tensor s = vae->sample(8, {}, g);
  const Tensor spread = (s - s.mean({0}, true)).abs().mean();
  EXPECT_GT(spread.item<double>(), 0.02);
  fs::remove_all(out);
}

}  // namespace
}  // namespace strata
