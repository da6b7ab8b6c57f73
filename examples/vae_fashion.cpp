// A convolutional VAE on Fashion-MNIST with the C++ API (models/vae.h): Bernoulli likelihood, 16 latents, Adam
// 1e-3, batch 128, the test-set ELBO in nats per epoch. After training it writes a sample grid and a grid of
// spherical latent interpolations, and scores 10,000 samples with FID-FMNIST when the classifier checkpoint of
// scripts/train-fid-classifier is present. The same model and settings as configs/fashion_vae.yaml.
//
//   build/examples/vae_fashion [epochs] [out_dir]    (default 10 epochs, runs/vae_fashion)
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "strata/data.h"
#include "strata/models/fid_fmnist.h"
#include "strata/models/sample_grid.h"
#include "strata/models/vae.h"
#include "strata/strata.h"
#include "strata/train.h"

using namespace strata;

int main(int argc, char** argv) try {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::string out = argc > 2 ? argv[2] : "runs/vae_fashion";
  manual_seed(0);

  // Images in [0, 1], as the Bernoulli likelihood scores them; the labels ride along unused.
  auto load = [](bool train) {
    const data::FashionMNIST split(train);
    return std::make_shared<data::TensorDataset>(split.inputs(), split.targets());
  };
  data::DataLoader train_loader(load(true), {.batch_size = 128, .shuffle = true, .seed = 0});
  data::DataLoader test_loader(load(false), {.batch_size = 1000});

  auto vae = models::VAE(models::VAEOptions{.latent_dim = 16, .hidden_channels = 32}).ptr();
  train::Trainer trainer(vae);
  trainer.fit(train_loader,
              {.epochs = epochs,
               .validation = &test_loader,
               .callbacks = {std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions{
                   .dir = out, .monitor = "val_elbo", .mode = train::Mode::Max})},
               .out_dir = out});
  std::cout << "test ELBO " << trainer.evaluate(test_loader).at("elbo") << " nats per image\n";

  Generator gen(1);
  models::save_sample_grid(out + "/samples.png", models::sample_grid(*vae, {.n = 64}, gen));
  models::save_sample_grid(out + "/interpolations.png",
                           models::sample_grid(*vae, {.n = 80, .interpolate = true, .steps = 10}, gen));
  if (std::filesystem::exists(models::default_fid_fmnist_checkpoint())) {
    models::FidFmnist fid;
    const Tensor samples = vae->sample(10000, {}, gen);
    std::cout << "FID-FMNIST " << fid.score(samples) << " (10,000 samples; classifier test accuracy "
              << fid.test_accuracy() << ")\n";
  }
  return 0;
} catch (const Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
