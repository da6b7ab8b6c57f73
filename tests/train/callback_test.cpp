// Unfreeze: frozen parameters stay in the optimiser and start training at the configured epoch; the
// callback refuses an optimiser that lacks them and catches up on a resumed run.
#include "strata/train/callback.h"

#include <gtest/gtest.h>

#include "blobs_dataset.h"
#include "strata/core/factory.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/ops.h"
#include "strata/optim.h"
#include "strata/train/trainer.h"

namespace strata::train {
namespace {

using strata::testing::blobs;

// Records a copy of one parameter after every epoch.
class Snapshots : public Callback {
 public:
  explicit Snapshots(Tensor param) : param_(std::move(param)) {}
  void on_epoch_end(Trainer&, int, const Logs&) override { values.push_back(param_.detach().clone()); }
  std::vector<Tensor> values;

 private:
  Tensor param_;
};

TEST(Unfreeze, FrozenLayersTrainFromTheGivenEpoch) {
  manual_seed(0);
  nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
  net->freeze("0.*");
  const Tensor w = net->state_dict().at("0.weight");
  const Tensor initial = w.clone();
  Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  auto snapshots = std::make_shared<Snapshots>(w);
  auto unfreeze = std::make_shared<Unfreeze>(UnfreezeOptions{.patterns = {"0.*"}, .epoch = 3});
  data::DataLoader loader(blobs(64, 1), {.batch_size = 16});
  trainer.fit(loader, {.epochs = 4, .callbacks = {unfreeze, snapshots}, .progress = false});
  ASSERT_EQ(snapshots->values.size(), 4u);
  EXPECT_TRUE(equal(snapshots->values[0], initial));
  EXPECT_TRUE(equal(snapshots->values[1], initial));
  EXPECT_FALSE(equal(snapshots->values[2], initial));
  EXPECT_FALSE(equal(snapshots->values[3], snapshots->values[2]));
  EXPECT_EQ(unfreeze->unfrozen(), 2);
  EXPECT_EQ(net->num_parameters(true), net->num_parameters());
}

TEST(Unfreeze, ARunResumedPastTheEpochUnfreezesAtOnce) {
  manual_seed(0);
  nn::Sequential net(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 3));
  net->freeze("0.*");
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), nn::CrossEntropyLoss());
  data::DataLoader loader(blobs(32, 1), {.batch_size = 16});
  auto late = std::make_shared<Unfreeze>(UnfreezeOptions{.patterns = {"0.*"}, .epoch = 3});
  trainer.fit(loader, {.epochs = 2, .callbacks = {late}, .progress = false});
  EXPECT_EQ(late->unfrozen(), 0);
  EXPECT_LT(net->num_parameters(true), net->num_parameters());
  // Two epochs done; a callback for epoch 2 (already begun) unfreezes before the next epoch runs.
  auto due = std::make_shared<Unfreeze>(UnfreezeOptions{.patterns = {"0.*"}, .epoch = 2});
  const Tensor before = net->state_dict().at("0.weight").clone();
  trainer.fit(loader, {.epochs = 1, .callbacks = {due}, .progress = false});
  EXPECT_EQ(due->unfrozen(), 2);
  EXPECT_FALSE(equal(net->state_dict().at("0.weight"), before));
}

TEST(Unfreeze, RefusesAnOptimiserWithoutTheFrozenParameters) {
  nn::Sequential net(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 3));
  net->freeze("0.*");
  Trainer trainer(net.ptr(), optim::SGD(optim::param_groups<optim::SGDOptions>(*net, {{"*", {.lr = 0.1}}})),
                  nn::CrossEntropyLoss());
  data::DataLoader loader(blobs(32, 1), {.batch_size = 16});
  auto unfreeze = std::make_shared<Unfreeze>(UnfreezeOptions{.patterns = {"0.*"}, .epoch = 2});
  try {
    trainer.fit(loader, {.epochs = 2, .callbacks = {unfreeze}, .progress = false});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "Unfreeze: 2 parameter(s) to unfreeze at epoch 2 are not in the optimiser "
                  "(0.weight, 0.bias), so they would not train",
                  0),
              0u)
        << e.what();
  }
  auto typo = std::make_shared<Unfreeze>(UnfreezeOptions{.patterns = {"1.*"}, .epoch = 2});  // ReLU: none
  EXPECT_THROW(trainer.fit(loader, {.epochs = 1, .callbacks = {typo}, .progress = false}), Error);
  EXPECT_THROW(Unfreeze(UnfreezeOptions{.epoch = 0}), Error);
  EXPECT_THROW(Unfreeze(UnfreezeOptions{.patterns = {}}), Error);
}

}  // namespace
}  // namespace strata::train
