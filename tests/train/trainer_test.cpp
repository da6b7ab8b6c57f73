#include "strata/train/trainer.h"

#include <filesystem>
#include <fstream>

#include "blobs_dataset.h"
#include "strata/data.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train/progress.h"
#include "test_util.h"

namespace strata::train {
namespace {

namespace fs = std::filesystem;

using strata::testing::blobs;

nn::Sequential make_model() {
  return nn::Sequential(nn::Linear(2, 16), nn::ReLU(), nn::Dropout(0.1), nn::Linear(16, 3));
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_trainer_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TrainerTest, FitsAndEvaluates) {
  manual_seed(0);
  data::DataLoader train(blobs(600, 1), {.batch_size = 32, .shuffle = true, .seed = 3});
  data::DataLoader test(blobs(300, 2), {.batch_size = 100});
  nn::Sequential net = make_model();
  Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  History h =
      trainer.fit(train, {.epochs = 5, .validation = &test, .out_dir = dir_.string(), .progress = false});
  ASSERT_EQ(h.epochs.size(), 5u);
  EXPECT_LT(h.epochs.back().at("loss"), h.epochs.front().at("loss"));
  EXPECT_GT(h.epochs.back().at("val_accuracy"), 0.9);
  EXPECT_GT(trainer.evaluate(test).at("accuracy"), 0.9);
  EXPECT_EQ(trainer.predict(test).shape(), (Shape{300, 3}));
  EXPECT_TRUE(fs::exists(dir_ / "metrics.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "curves.png"));
  std::ifstream csv(dir_ / "metrics.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,accuracy,loss,lr,seconds,val_accuracy,val_loss");
}

TEST_F(TrainerTest, AccuracyCountsPerStepPredictions) {
  // Sequences of 4 blob points, one label per step: outputs [B * 4, 3] against targets [B * 4] (as a
  // language model's flattened logits and next tokens). Accuracy is the share of correct steps.
  manual_seed(0);
  auto points = blobs(800, 7);
  auto sequences = std::make_shared<data::TensorDataset>(points->inputs().reshape({200, 4, 2}),
                                                         points->targets().reshape({200, 4}));
  const data::Collate flatten_targets = [](const std::vector<data::Example>& examples) {
    data::Batch b = data::default_collate(examples);
    b.target = b.target.reshape({-1});
    return b;
  };
  data::DataLoader train(sequences, {.batch_size = 20, .collate = flatten_targets});
  nn::Sequential net(nn::Flatten(0, 1), nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
  Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  const History h = trainer.fit(train, {.epochs = 3, .progress = false});
  EXPECT_GT(h.epochs.back().at("accuracy"), 0.9);
  EXPECT_LE(h.epochs.back().at("accuracy"), 1.0);
  const double accuracy = trainer.evaluate(train).at("accuracy");
  const Tensor predicted = F::argmax(trainer.predict(train), 1);
  const double correct = F::eq(predicted, points->targets()).sum().item();
  EXPECT_NEAR(accuracy, correct / 800.0, 1e-12);
}

TEST_F(TrainerTest, AccuracyLeavesOutIgnoredTargets) {
  // Targets of -100 (the losses' default ignore_index, as masked-LM labels of unmasked tokens) count
  // neither for the loss nor for accuracy: accuracy is the share of correct predictions among the others.
  manual_seed(0);
  auto points = blobs(400, 5);
  Tensor targets = points->targets().clone();
  for (int64_t i = 0; i < 400; i += 2) targets.data_ptr<int64_t>()[i] = -100;
  auto half = std::make_shared<data::TensorDataset>(points->inputs(), targets);
  data::DataLoader loader(half, {.batch_size = 50});
  nn::Sequential net = make_model();
  Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  trainer.fit(loader, {.epochs = 3, .progress = false});
  const double accuracy = trainer.evaluate(loader).at("accuracy");
  const Tensor predicted = F::argmax(trainer.predict(loader), 1);
  const double correct = F::eq(predicted, targets).sum().item();
  EXPECT_NEAR(accuracy, correct / 200.0, 1e-12);
  EXPECT_GT(accuracy, 0.8);
}

TEST_F(TrainerTest, ResumeIsBitExact) {
  auto dataset = blobs(256, 5);
  auto run = [&](bool resume) {
    manual_seed(42);
    nn::Sequential net = make_model();
    auto opt =
        std::make_shared<optim::SGD>(net->parameters(), optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
    data::DataLoader loader(dataset, {.batch_size = 16, .shuffle = true, .seed = 7});
    Trainer t(net.ptr(), opt, nn::CrossEntropyLoss());
    if (!resume) {
      t.fit(loader, {.epochs = 2, .progress = false});
      return net->state_dict();
    }
    t.fit(loader, {.epochs = 1, .progress = false});
    t.save_checkpoint((dir_ / "ckpt.safetensors").string());
    manual_seed(999);  // the checkpoint restores the random state
    nn::Sequential net2 = make_model();
    auto opt2 =
        std::make_shared<optim::SGD>(net2->parameters(), optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
    Trainer t2(net2.ptr(), opt2, nn::CrossEntropyLoss());
    t2.load_checkpoint((dir_ / "ckpt.safetensors").string());
    EXPECT_EQ(t2.epoch(), 1);
    t2.fit(loader, {.epochs = 1, .progress = false});
    EXPECT_EQ(t2.history().epochs.size(), 2u);
    return net2->state_dict();
  };
  const nn::StateDict straight = run(false), resumed = run(true);
  for (const auto& [name, t] : straight) EXPECT_TRUE(equal(t, resumed.at(name))) << name;
}

TEST_F(TrainerTest, CallbacksStopCheckpointAndLog) {
  manual_seed(1);
  data::DataLoader train(blobs(128, 3), {.batch_size = 32});
  nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));  // deterministic: no dropout
  auto opt = std::make_shared<optim::SGD>(net->parameters(), optim::SGDOptions{.lr = 0.0});  // never improves
  Trainer trainer(net.ptr(), opt, nn::CrossEntropyLoss());
  auto early = std::make_shared<EarlyStopping>(
      EarlyStoppingOptions{.monitor = "loss", .patience = 1, .min_delta = 1e-3});
  auto ckpt = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.dir = dir_.string()});
  auto csv = std::make_shared<CSVLogger>((dir_ / "log.csv").string());
  History h = trainer.fit(train, {.epochs = 10, .callbacks = {early, ckpt, csv}, .progress = false});
  EXPECT_EQ(h.epochs.size(), 3u);  // best at epoch 1, no improvement in 2 and 3
  EXPECT_EQ(early->stopped_epoch(), 3);
  EXPECT_TRUE(fs::exists(dir_ / "best.safetensors"));
  EXPECT_TRUE(fs::exists(dir_ / "last.safetensors"));
  std::ifstream log(dir_ / "log.csv");
  int lines = 0;
  for (std::string line; std::getline(log, line);) ++lines;
  EXPECT_EQ(lines, 4);
}

TEST_F(TrainerTest, MismatchedCheckpointNamesTheProblem) {
  nn::Sequential net = make_model();
  Trainer t(net.ptr(), optim::SGD(net->parameters()), nn::CrossEntropyLoss());
  t.save_checkpoint((dir_ / "a.safetensors").string());
  nn::Sequential other(nn::Linear(2, 8), nn::ReLU(), nn::Linear(8, 3));
  Trainer t2(other.ptr(), optim::SGD(other->parameters()), nn::CrossEntropyLoss());
  try {
    t2.load_checkpoint((dir_ / "a.safetensors").string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mis-shaped"), std::string::npos) << e.what();
  }
}

TEST(ProgressBar, RendersStepsRateAndEta) {
  ProgressBar bar("epoch 1/2", 10, nullptr);
  EXPECT_EQ(bar.render(5, "loss 0.5000", 2.0, 500),
            "epoch 1/2 [============>           ] 5/10 loss 0.5000 | 250 samples/s 00:02<00:02");
}

TEST_F(TrainerTest, CompiledStepsTrainLikeEagerOnes) {
  auto run = [&](bool compile) {
    manual_seed(0);
    data::DataLoader train(blobs(320, 1), {.batch_size = 32, .shuffle = true, .seed = 3});
    nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
    Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1, .momentum = 0.9}),
                    nn::CrossEntropyLoss());
    History h =
        trainer.fit(train, {.epochs = 3, .progress = false, .clip_grad_norm = 1.0, .compile = compile});
    return std::make_pair(h.epochs.back(), net->parameters()[0]);
  };
  const auto [eager, eager_w] = run(false);
  const auto [compiled, compiled_w] = run(true);
  EXPECT_NEAR(eager.at("loss"), compiled.at("loss"), 1e-5);
  EXPECT_DOUBLE_EQ(eager.at("accuracy"), compiled.at("accuracy"));
  EXPECT_LT((eager_w - compiled_w).abs().max().item(), 1e-5);
}

TEST_F(TrainerTest, CompiledStepsRefuseALossOtherThanCrossEntropy) {
  manual_seed(0);
  data::DataLoader train(blobs(64, 1), {.batch_size = 32});
  nn::Sequential net(nn::Linear(2, 3));
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}),
                  nn::CrossEntropyLoss({.label_smoothing = 0.2}));
  EXPECT_ERROR_CONTAINS(trainer.fit(train, {.progress = false, .compile = true}), "compile", "cross-entropy");
}

}  // namespace
}  // namespace strata::train
