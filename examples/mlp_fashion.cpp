// A multi-layer perceptron (784-256-128-10) on Fashion-MNIST with the C++ API: the data set, a DataLoader,
// nn::Sequential, Adam with a one-cycle schedule, and the Trainer. About 88% test accuracy after 2 epochs.
//
//   build/examples/mlp_fashion [epochs]    (writes runs/mlp_fashion/{metrics.csv,curves.png,best/last})
#include <cstdlib>
#include <iostream>

#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

using namespace strata;

int main(int argc, char** argv) try {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 2;
  manual_seed(0);

  // Whole splits as normalised tensors: f32 [N, 1, 28, 28] images and i64 [N] labels.
  auto load = [](bool train) {
    const data::FashionMNIST split(train);
    return std::make_shared<data::TensorDataset>((split.inputs() - 0.2860) / 0.3530, split.targets());
  };
  data::DataLoader train_loader(load(true), {.batch_size = 64, .shuffle = true, .seed = 0});
  data::DataLoader test_loader(load(false), {.batch_size = 1000});

  auto net = nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(),
                            nn::Linear(128, 10));
  std::cout << nn::summary(*net, {1, 1, 28, 28});

  const double max_lr = 2e-3;
  train::Trainer trainer(net, optim::Adam(net->parameters(), {.lr = max_lr}), nn::CrossEntropyLoss());
  auto schedule =
      std::make_shared<optim::OneCycleLR>(trainer.optimizer(), max_lr, epochs * train_loader.size());
  trainer.set_scheduler(schedule);
  trainer.fit(train_loader,
              {.epochs = epochs,
               .validation = &test_loader,
               .callbacks = {std::make_shared<train::LRSchedulerStep>(schedule, /*per_batch=*/true),
                             std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions{
                                 .dir = "runs/mlp_fashion", .monitor = "val_accuracy"})},
               .out_dir = "runs/mlp_fashion"});

  const train::Logs test = trainer.evaluate(test_loader);
  std::cout << "test accuracy " << test.at("accuracy") << ", test loss " << test.at("loss") << "\n";
  return 0;
} catch (const Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
