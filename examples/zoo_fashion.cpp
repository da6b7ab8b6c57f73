// Any model of the zoo on Fashion-MNIST, picked by name (strata::models::create), trained with Adam on a
// one-cycle schedule by the Trainer; prints the test accuracy and the time per training step.
// The image models get the images padded to 32x32 (the size the CIFAR-style models suit) with one channel.
//
//   build/examples/zoo_fashion [model] [epochs] [train_images]    (default: resnet20 1 60000)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "strata/data.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

using namespace strata;

int main(int argc, char** argv) try {
  const std::string name = argc > 1 ? argv[1] : "resnet20";
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 1;
  const int64_t train_images = argc > 3 ? std::atoll(argv[3]) : 60000;
  const bool image_model = name != "mlp" && name != "lenet5";
  manual_seed(0);

  // Whole splits as normalised tensors: f32 [N, 1, 28, 28] (or 32x32) images and i64 [N] labels.
  auto load = [&](bool train, int64_t limit) {
    const data::FashionMNIST split(train);
    const int64_t n = std::min(limit, split.inputs().size(0));
    Tensor x = split.inputs().narrow(0, 0, n);
    if (image_model) x = F::pad(x, {2, 2, 2, 2});  // 28x28 -> 32x32, background 0
    return std::make_shared<data::TensorDataset>(((x - 0.2860) / 0.3530).contiguous(),
                                                 split.targets().narrow(0, 0, n).contiguous());
  };
  data::DataLoader train_loader(load(true, train_images), {.batch_size = 64, .shuffle = true, .seed = 0});
  data::DataLoader test_loader(load(false, 10000), {.batch_size = 500});

  // A VGG for 32x32 images wants a 1x1 pool and a narrower classifier; the other models ignore these.
  models::ZooOptions options{.num_classes = 10, .in_channels = 1, .classifier_width = 512, .pool_size = 1};
  auto net = models::create(name, options);
  const int64_t side = image_model ? 32 : 28;
  std::cout << name << ": " << models::zoo_description(name) << "\n" << nn::summary(*net, {1, 1, side, side});

  const double max_lr = 2e-3;
  train::Trainer trainer(net, optim::Adam(net->parameters(), {.lr = max_lr}), nn::CrossEntropyLoss());
  auto schedule =
      std::make_shared<optim::OneCycleLR>(trainer.optimizer(), max_lr, epochs * train_loader.size());
  trainer.set_scheduler(schedule);
  const auto start = std::chrono::steady_clock::now();
  trainer.fit(train_loader,
              {.epochs = epochs,
               .callbacks = {std::make_shared<train::LRSchedulerStep>(schedule, /*per_batch=*/true)}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const train::Logs test = trainer.evaluate(test_loader);
  std::cout << "test accuracy " << test.at("accuracy") << ", test loss " << test.at("loss") << "; "
            << 1000 * seconds / static_cast<double>(epochs * train_loader.size())
            << " ms per training step (batch 64, " << get_num_threads() << " threads)\n";
  return 0;
} catch (const Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
