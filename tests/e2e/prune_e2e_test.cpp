// End to end on real Fashion-MNIST images: an MLP trained briefly, pruned globally to 80% and fine-tuned
// with the masks held keeps its accuracy; LeNet-5 pruned by channels becomes a smaller dense network that
// still classifies after fine-tuning. Subsets keep it to seconds on one thread.
#include <gtest/gtest.h>

#include <cstdio>

#include "strata/compress.h"
#include "strata/data.h"
#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata {
namespace {

constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST pixel statistics

std::shared_ptr<data::TensorDataset> load(bool train, int64_t n) {
  const data::FashionMNIST split(train);
  return std::make_shared<data::TensorDataset>(((split.inputs() - kMean) / kStd).narrow(0, 0, n),
                                               split.targets().narrow(0, 0, n));
}

class PruneE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    threads_ = get_num_threads();
    set_num_threads(1);
  }
  void TearDown() override { set_num_threads(threads_); }
  int threads_ = 1;
};

TEST_F(PruneE2E, GlobalEightyPercentKeepsAccuracyAfterFineTuning) {
  manual_seed(0);
  data::DataLoader train_loader(load(true, 12000), {.batch_size = 64, .shuffle = true, .seed = 0});
  data::DataLoader test_loader(load(false, 2000), {.batch_size = 500});
  nn::Sequential net(nn::Flatten(), nn::Linear(784, 128), nn::ReLU(), nn::Linear(128, 10));
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 2e-3}), nn::CrossEntropyLoss());
  trainer.fit(train_loader, {.epochs = 1, .progress = false});
  const double dense = trainer.evaluate(test_loader).at("accuracy");

  auto masks = std::make_shared<compress::PruningMasks>(compress::PruningMasks::for_model(*net));
  masks->global_unstructured(0.8);
  const double pruned = trainer.evaluate(test_loader).at("accuracy");
  auto schedule = std::make_shared<compress::PruningSchedule>(masks, compress::one_shot(0.8));
  train::Trainer fine(net.ptr(), optim::Adam(net->parameters(), {.lr = 5e-4}), nn::CrossEntropyLoss());
  fine.fit(train_loader, {.epochs = 1, .callbacks = {schedule}, .progress = false});
  const double tuned = fine.evaluate(test_loader).at("accuracy");
  masks->remove();
  const auto report = compress::sparsity_report(compress::prunable_weights(*net));
  std::printf("MLP 784-128-10: dense %.4f, 80%% pruned %.4f, fine-tuned %.4f (sparsity %.4f)\n", dense,
              pruned, tuned, report.back().sparsity());
  EXPECT_GE(dense, 0.75);
  EXPECT_NEAR(report.back().sparsity(), 0.8, 1e-3);
  EXPECT_GE(tuned, 0.80);
  EXPECT_GE(tuned, dense - 0.02);
}

TEST_F(PruneE2E, LeNetChannelPruningGivesASmallerNetThatStillClassifies) {
  manual_seed(1);
  data::DataLoader train_loader(load(true, 6000), {.batch_size = 64, .shuffle = true, .seed = 1});
  data::DataLoader test_loader(load(false, 1000), {.batch_size = 500});
  nn::Sequential net = models::lenet5();
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 2e-3}), nn::CrossEntropyLoss());
  trainer.fit(train_loader, {.epochs = 1, .progress = false});
  const double dense = trainer.evaluate(test_loader).at("accuracy");

  const compress::ChannelPruneResult r = compress::prune_channels(net.ptr(), {.amount = 0.5});
  EXPECT_LT(r.model->num_parameters(), net->num_parameters() * 6 / 10);
  train::Trainer fine(r.model, optim::Adam(r.model->parameters(), {.lr = 1e-3}), nn::CrossEntropyLoss());
  fine.fit(train_loader, {.epochs = 1, .progress = false});
  const double tuned = fine.evaluate(test_loader).at("accuracy");
  std::printf("LeNet-5: dense %.4f (%lld parameters), half the channels fine-tuned %.4f (%lld parameters)\n",
              dense, static_cast<long long>(net->num_parameters()), tuned,
              static_cast<long long>(r.model->num_parameters()));
  EXPECT_GE(dense, 0.60);
  EXPECT_GE(tuned, 0.70);
}

}  // namespace
}  // namespace strata
