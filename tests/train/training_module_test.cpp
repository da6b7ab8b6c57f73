#include "strata/train/training_module.h"

#include <filesystem>
#include <fstream>

#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train/trainer.h"
#include "test_util.h"

namespace strata::train {
namespace {

namespace fs = std::filesystem;

// Two networks with two optimisers, each fitting its own target from the same inputs: `a` (SGD with
// momentum) a linear map, `b` (Adam, with BatchNorm buffers and Dropout) a non-linear one on inputs with
// noise drawn from the step's generator. Enough moving parts for resume to be exact only if every
// optimiser, every buffer and the random state are restored.
class TwoNets : public TrainingModule {
 public:
  TwoNets() : TrainingModule("TwoNets") {
    a = register_module("a", nn::Linear(3, 1).ptr());
    b = register_module("b", nn::Sequential(nn::Linear(3, 16), nn::BatchNorm1d(16), nn::ReLU(),
                                            nn::Dropout(0.1), nn::Linear(16, 1))
                                 .ptr());
  }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override {
    return {std::make_shared<optim::SGD>(a->parameters(), optim::SGDOptions{.lr = 0.05, .momentum = 0.9}),
            std::make_shared<optim::Adam>(b->parameters(), optim::AdamOptions{.lr = 1e-2})};
  }
  std::vector<std::shared_ptr<optim::LRScheduler>> configure_schedulers(
      const std::vector<std::shared_ptr<optim::Optimizer>>& optimizers) override {
    return {std::make_shared<optim::StepLR>(*optimizers[1], 1, 0.5)};
  }
  void training_step(const data::Batch& batch, StepContext& ctx) override {
    const Tensor ya = batch.target.select(1, 0).unsqueeze(1), yb = batch.target.select(1, 1).unsqueeze(1);
    optim::Optimizer& opt_a = ctx.optimizer(0);
    opt_a.zero_grad();
    Tensor loss_a = F::mse_loss(a->forward(batch.input), ya);
    loss_a.backward();
    opt_a.step();
    optim::Optimizer& opt_b = ctx.optimizer(1);
    opt_b.zero_grad();
    const Tensor noisy = batch.input + randn(batch.input.shape(), {}, &ctx.generator()) * 0.01;
    Tensor loss_b = F::mse_loss(b->forward(noisy), yb);
    loss_b.backward();
    opt_b.step();
    ctx.log("loss_a", loss_a.item());
    ctx.log("loss_b", loss_b.item());
    steps_seen.push_back(ctx.global_step());
  }
  void validation_step(const data::Batch& batch, StepContext& ctx) override {
    ctx.log("loss_a", F::mse_loss(a->forward(batch.input), batch.target.select(1, 0).unsqueeze(1)).item());
    ctx.log("val_loss_b",
            F::mse_loss(b->forward(batch.input), batch.target.select(1, 1).unsqueeze(1)).item());
  }
  void on_epoch_end(int epoch, const std::string& out_dir) override {
    epochs_ended.push_back(epoch);
    if (!out_dir.empty()) std::ofstream(fs::path(out_dir) / fmt::format("epoch_{}.txt", epoch)) << epoch;
  }

  std::shared_ptr<nn::LinearImpl> a;
  std::shared_ptr<nn::SequentialImpl> b;
  std::vector<int64_t> steps_seen;
  std::vector<int> epochs_ended;
};

std::shared_ptr<data::TensorDataset> regression(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 3}, {}, &g);
  Tensor ya = F::matmul(x, from_vector<float>({1.5f, -2, 0.5f}, {3, 1})) + 0.3;
  Tensor yb = F::tanh(x.select(1, 0).unsqueeze(1) * 2) * x.select(1, 1).unsqueeze(1);
  return std::make_shared<data::TensorDataset>(x, F::cat({ya, yb}, 1));
}

class TrainingModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_training_module_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TrainingModuleTest, TrainsBothNetworksAndWritesTheRunFiles) {
  manual_seed(0);
  data::DataLoader train(regression(512, 1), {.batch_size = 32, .shuffle = true, .seed = 3});
  data::DataLoader val(regression(200, 2), {.batch_size = 50});
  auto module = std::make_shared<TwoNets>();
  Trainer trainer(module);
  ASSERT_EQ(trainer.optimizers().size(), 2u);
  EXPECT_EQ(trainer.training_module(), module.get());
  const History h =
      trainer.fit(train, {.epochs = 4, .validation = &val, .out_dir = dir_.string(), .progress = false});
  ASSERT_EQ(h.epochs.size(), 4u);
  EXPECT_LT(h.epochs.back().at("loss_a"), 0.1 * h.epochs.front().at("loss_a"));
  EXPECT_LT(h.epochs.back().at("loss_b"), 0.7 * h.epochs.front().at("loss_b"));
  EXPECT_LT(h.epochs.back().at("val_loss_a"), 0.05);
  EXPECT_TRUE(h.epochs.back().count("val_loss_b"));        // logged as "val_loss_b", not prefixed twice
  EXPECT_DOUBLE_EQ(h.epochs.back().at("lr_1"), 1e-2 / 8);  // the rate of epoch 4: halved after each epoch
  EXPECT_DOUBLE_EQ(h.epochs.back().at("lr_0"), 0.05);
  EXPECT_EQ(module->epochs_ended, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(trainer.global_step(), 64);
  ASSERT_EQ(module->steps_seen.size(), 64u);
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(module->steps_seen[static_cast<size_t>(i)], i);
  EXPECT_TRUE(fs::exists(dir_ / "curves.png"));
  EXPECT_TRUE(fs::exists(dir_ / "epoch_4.txt"));
  std::ifstream csv(dir_ / "metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,loss_a,loss_b,lr_0,lr_1,seconds,val_loss_a,val_loss_b");
  const Logs val_logs = trainer.evaluate(val);
  EXPECT_EQ(val_logs.size(), 2u);
  EXPECT_DOUBLE_EQ(val_logs.at("loss_a"), h.epochs.back().at("val_loss_a"));
}

TEST_F(TrainingModuleTest, ResumeIsBitExact) {
  auto dataset = regression(256, 5);
  const std::string ckpt = (dir_ / "ckpt.safetensors").string();
  auto run = [&](bool resume) {
    manual_seed(42);
    data::DataLoader loader(dataset, {.batch_size = 16, .shuffle = true, .seed = 7});
    auto module = std::make_shared<TwoNets>();
    Trainer t(module);
    if (!resume) {
      t.fit(loader, {.epochs = 2, .progress = false});
      return module->state_dict();
    }
    t.fit(loader, {.epochs = 1, .progress = false});
    t.save_checkpoint(ckpt);
    manual_seed(999);  // the checkpoint restores the random state
    auto module2 = std::make_shared<TwoNets>();
    Trainer t2(module2);
    t2.load_checkpoint(ckpt);
    EXPECT_EQ(t2.epoch(), 1);
    EXPECT_EQ(t2.global_step(), 16);
    t2.fit(loader, {.epochs = 1, .progress = false});
    EXPECT_EQ(t2.history().epochs.size(), 2u);
    EXPECT_EQ(module2->steps_seen.front(), 16);
    return module2->state_dict();
  };
  const nn::StateDict straight = run(false), resumed = run(true);
  ASSERT_EQ(straight.size(), resumed.size());
  for (const auto& [name, t] : straight) EXPECT_TRUE(equal(t, resumed.at(name))) << name;
}

// One network, one optimiser: a checkpoint of TwoNets does not fit it.
class OneNet : public TrainingModule {
 public:
  OneNet() : TrainingModule("OneNet") { a = register_module("a", nn::Linear(3, 1).ptr()); }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override {
    return {std::make_shared<optim::SGD>(a->parameters(), optim::SGDOptions{.lr = 0.1})};
  }
  void training_step(const data::Batch& batch, StepContext& ctx) override {
    ctx.optimizer(index).zero_grad();
    F::mse_loss(a->forward(batch.input), batch.target.select(1, 0).unsqueeze(1)).backward();
    ctx.optimizer(index).step();
  }
  std::shared_ptr<nn::LinearImpl> a;
  size_t index = 0;
};

TEST_F(TrainingModuleTest, BadUseRaisesClearErrors) {
  manual_seed(0);
  data::DataLoader loader(regression(64, 1), {.batch_size = 16});
  auto two = std::make_shared<TwoNets>();
  Trainer t(two);
  t.fit(loader, {.epochs = 1, .progress = false});
  const std::string ckpt = (dir_ / "two.safetensors").string();
  t.save_checkpoint(ckpt);

  // A checkpoint with another module's layout names the mismatch.
  auto one = std::make_shared<OneNet>();
  Trainer t1(one);
  EXPECT_ERROR_CONTAINS(t1.load_checkpoint(ckpt), "two.safetensors",
                        "the checkpoint holds 2 optimiser(s), OneNet configures 1");
  // An optimiser index past configure_optimizers().
  one->index = 1;
  EXPECT_ERROR_CONTAINS(t1.fit(loader, {.epochs = 1, .progress = false}),
                        "StepContext::optimizer: index 1 out of range (1 optimiser(s) configured)");
  one->index = 0;
  // Options the module's own step owns are refused rather than ignored.
  EXPECT_ERROR_CONTAINS(t1.fit(loader, {.epochs = 1, .progress = false, .clip_grad_norm = 1.0}),
                        "clip gradients inside training_step");
  EXPECT_ERROR_CONTAINS(t1.fit(loader, {.epochs = 1, .progress = false, .metrics = {"accuracy"}}),
                        "StepContext::log");
  EXPECT_ERROR_CONTAINS(t1.predict(loader), "predict: OneNet");
  // A classic checkpoint (one optimiser under "optimizer.") is not a training module's.
  nn::Linear lin(3, 1);
  Trainer classic(lin.ptr(), optim::SGD(lin->parameters(), {.lr = 0.1}), nn::MSELoss());
  EXPECT_ERROR_CONTAINS(classic.load_checkpoint(ckpt), "a training module's");
}

TEST(LogAccumulator, WeightsByBatchSizeAndKeepsFirstLoggedOrder) {
  LogAccumulator acc;
  acc.add("g_loss", 1.0, 10);
  acc.add("d_loss", 2.0, 10);
  acc.add("g_loss", 4.0, 30);
  EXPECT_DOUBLE_EQ(acc.means().at("g_loss"), (10.0 + 120.0) / 40.0);
  EXPECT_EQ(acc.text(), "g_loss 3.2500 d_loss 2.0000");
  EXPECT_ERROR_CONTAINS(acc.add("", 1.0, 1), "empty name");
  acc.clear();
  EXPECT_TRUE(acc.empty());
}

}  // namespace
}  // namespace strata::train
