// Tuning the learning rate and weight decay of the Fashion-MNIST MLP (784-256-128-10, as
// configs/fashion_mlp.yaml) on a subset: Bayesian search, two trials at a time, finds a configuration at
// least as good as the default (Adam, lr 1e-3, no weight decay) on the validation split held out of the
// training images, and leaves trials.csv, best.yaml and best_so_far.png behind.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <mutex>

#include "strata/data/mnist.h"
#include "strata/models/mlp.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train/trainer.h"
#include "strata/tune/searcher.h"
#include "strata/tune/tuner.h"
#include "temp_path.h"

namespace strata::tune {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTrain = 3000, kVal = 1000;

struct Splits {
  std::shared_ptr<data::TensorDataset> train, val;
};

// The first kTrain training images for training, the next kVal for validation; normalised as the CLI does.
Splits load_subset() {
  const data::ImageSplit split = data::load_fashion_mnist(true);
  const Tensor x =
      ((split.images.narrow(0, 0, kTrain + kVal).to(kFloat32).unsqueeze(1) / 255.0 - 0.2860) / 0.3530)
          .contiguous();
  const Tensor y = split.labels.narrow(0, 0, kTrain + kVal).contiguous();
  return {std::make_shared<data::TensorDataset>(x.narrow(0, 0, kTrain).contiguous(),
                                                y.narrow(0, 0, kTrain).contiguous()),
          std::make_shared<data::TensorDataset>(x.narrow(0, kTrain, kVal).contiguous(),
                                                y.narrow(0, kTrain, kVal).contiguous())};
}

// Trains the MLP for two epochs with Adam(lr, weight_decay) and returns the last epoch's logs. The initial
// weights come from seed 0 whatever thread builds the model, so every trial starts from the same network.
Metrics train_mlp(const Splits& data, double lr, double weight_decay, Trial* trial) {
  static std::mutex init_mutex;
  nn::Sequential model;
  {
    std::lock_guard<std::mutex> lock(init_mutex);
    manual_seed(0);
    model = models::mlp({784, 256, 128, 10});
  }
  data::DataLoader train_loader(data.train, {.batch_size = 64, .shuffle = true, .seed = 0});
  data::DataLoader val_loader(data.val, {.batch_size = 1000});
  train::Trainer trainer(model.ptr(),
                         optim::Adam(model->parameters(), {.lr = lr, .weight_decay = weight_decay}),
                         nn::CrossEntropyLoss());
  std::vector<std::shared_ptr<train::Callback>> callbacks;
  if (trial) callbacks.push_back(std::make_shared<TrialReporter>(*trial));
  const train::History h = trainer.fit(
      train_loader, {.epochs = 2, .validation = &val_loader, .callbacks = callbacks, .progress = false});
  return h.epochs.back();
}

TEST(TuneE2E, BayesFindsAConfigurationAtLeastAsGoodAsTheDefault) {
  const auto start = std::chrono::steady_clock::now();
  const Splits data = load_subset();
  const int threads = get_num_threads();
  // The default, with the thread share a trial gets (float sums depend on the thread count).
  set_num_threads(std::max(1, threads / 2));
  const double default_accuracy = train_mlp(data, 1e-3, 0.0, nullptr).at("val_accuracy");
  set_num_threads(threads);

  SearchSpace space;
  space.loguniform("lr", 1e-4, 1e-2).loguniform("weight_decay", 1e-6, 1e-3);
  BayesSearcher searcher(space, {.seed = 0});
  const std::string dir = strata::testing::unique_temp_path("tune_e2e").string();
  fs::remove_all(dir);
  TuneOptions options;
  options.objective = Objective{"val_accuracy", true};
  options.trials = 10;
  options.parallel = 2;
  options.threads = threads;
  options.out_dir = dir;
  const TuneResult r = tune(
      searcher,
      [&](Trial& t) { return train_mlp(data, to_double(t["lr"]), to_double(t["weight_decay"]), &t); },
      options);

  const TrialResult& best = r.best();
  std::printf("default val_accuracy %.4f, best %.4f at %s (trial %lld of %zu), %.1f s\n", default_accuracy,
              best.value, to_string(best.params).c_str(), static_cast<long long>(best.id), r.trials.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_EQ(r.trials.size(), 10u);
  EXPECT_GE(best.value, default_accuracy);
  EXPECT_GT(best.value, 0.75);
  EXPECT_TRUE(fs::exists(dir + "/trials.csv"));
  EXPECT_TRUE(fs::exists(dir + "/best.yaml"));
  EXPECT_TRUE(fs::exists(dir + "/best_so_far.png"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace strata::tune
