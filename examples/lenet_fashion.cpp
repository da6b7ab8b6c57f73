// LeNet-5 on Fashion-MNIST with the C++ API: two 5x5 convolutions with ReLU and max pooling, then
// 400-120-84-10, trained with Adam on a one-cycle schedule by the Trainer. About 89% after 2 epochs.
//
//   build/examples/lenet_fashion [epochs]    (writes runs/lenet_fashion/{metrics.csv,curves.png,best/last})
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

  auto net = nn::Sequential(nn::Conv2d(1, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2),  // 6x14x14
                            nn::Conv2d(6, 16, 5), nn::ReLU(), nn::MaxPool2d(2),                 // 16x5x5
                            nn::Flatten(), nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                            nn::Linear(84, 10));
  std::cout << nn::summary(*net, {1, 1, 28, 28});

  const double max_lr = 5e-3;
  train::Trainer trainer(net, optim::Adam(net->parameters(), {.lr = max_lr}), nn::CrossEntropyLoss());
  auto schedule =
      std::make_shared<optim::OneCycleLR>(trainer.optimizer(), max_lr, epochs * train_loader.size());
  trainer.set_scheduler(schedule);
  trainer.fit(train_loader,
              {.epochs = epochs,
               .validation = &test_loader,
               .callbacks = {std::make_shared<train::LRSchedulerStep>(schedule, /*per_batch=*/true),
                             std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions{
                                 .dir = "runs/lenet_fashion", .monitor = "val_accuracy"})},
               .out_dir = "runs/lenet_fashion"});

  const train::Logs test = trainer.evaluate(test_loader);
  std::cout << "test accuracy " << test.at("accuracy") << ", test loss " << test.at("loss") << "\n";
  return 0;
} catch (const Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
