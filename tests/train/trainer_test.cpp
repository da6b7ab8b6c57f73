#include "strata/train/trainer.h"

#include <csignal>
#include <filesystem>
#include <fstream>

#include "blobs_dataset.h"
#include "strata/data.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train/interrupt.h"
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

// Everything an epoch logs but its wall time.
std::vector<Logs> without_seconds(const History& h) {
  std::vector<Logs> out;
  for (Logs logs : h.epochs) {
    logs.erase("seconds");
    out.push_back(std::move(logs));
  }
  return out;
}

TEST_F(TrainerTest, ResumeRestoresCallbackState) {
  // Six epochs in one go against three, a checkpoint, and three more with fresh callbacks: the same
  // weights, logs, early-stopping counter and best value, and best.safetensors from the same epoch.
  auto train_set = blobs(256, 5), val_set = blobs(128, 6);
  struct Result {
    nn::StateDict weights;
    std::vector<Logs> logs;
    double es_best, ckpt_best;
    int es_wait;
    nn::StateDict best;
  };
  auto run = [&](const fs::path& dir, bool resume) {
    fs::create_directories(dir);
    manual_seed(42);
    nn::Sequential net = make_model();
    auto make_trainer = [](nn::Sequential& n) {
      return Trainer(
          n.ptr(),
          std::make_shared<optim::SGD>(n->parameters(), optim::SGDOptions{.lr = 0.3, .momentum = 0.9}),
          nn::CrossEntropyLoss());
    };
    data::DataLoader loader(train_set, {.batch_size = 16, .shuffle = true, .seed = 7});
    data::DataLoader val(val_set, {.batch_size = 64});
    auto callbacks = [&] {
      return std::vector<std::shared_ptr<Callback>>{
          std::make_shared<EarlyStopping>(
              EarlyStoppingOptions{.monitor = "val_loss", .patience = 10, .min_delta = 0.05}),
          std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.dir = dir.string()})};
    };
    Trainer t = make_trainer(net);
    auto cbs = callbacks();
    FitOptions options{.epochs = resume ? 3 : 6, .validation = &val, .callbacks = cbs, .progress = false};
    t.fit(loader, options);
    Result r;
    if (resume) {
      manual_seed(999);  // the checkpoint restores the random state
      nn::Sequential net2 = make_model();
      Trainer t2 = make_trainer(net2);
      t2.load_checkpoint((dir / "last.safetensors").string());
      cbs = callbacks();
      options.callbacks = cbs;
      options.epochs = 3;
      t2.fit(loader, options);
      r.weights = net2->state_dict();
      r.logs = without_seconds(t2.history());
    } else {
      r.weights = net->state_dict();
      r.logs = without_seconds(t.history());
    }
    const auto& es = dynamic_cast<const EarlyStopping&>(*cbs[0]);
    const auto& ckpt = dynamic_cast<const ModelCheckpoint&>(*cbs[1]);
    r.es_best = es.best();
    r.es_wait = es.wait();
    r.ckpt_best = ckpt.best();
    nn::Sequential best = make_model();
    Trainer tb = make_trainer(best);
    tb.load_checkpoint((dir / "best.safetensors").string());
    r.best = best->state_dict();
    return r;
  };
  const Result straight = run(dir_ / "straight", false), resumed = run(dir_ / "resumed", true);
  for (const auto& [name, t] : straight.weights) EXPECT_TRUE(equal(t, resumed.weights.at(name))) << name;
  for (const auto& [name, t] : straight.best) EXPECT_TRUE(equal(t, resumed.best.at(name))) << name;
  EXPECT_EQ(straight.logs, resumed.logs);
  EXPECT_EQ(straight.es_best, resumed.es_best);
  EXPECT_EQ(straight.es_wait, resumed.es_wait);
  EXPECT_GT(straight.es_wait, 0);  // some epochs did not improve by min_delta, so the counter matters
  EXPECT_EQ(straight.ckpt_best, resumed.ckpt_best);
}

TEST_F(TrainerTest, ResumeOfAnEarlyStoppedRunTrainsNoFurther) {
  manual_seed(1);
  data::DataLoader train(blobs(128, 3), {.batch_size = 32});
  nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
  auto make_callbacks = [&] {
    return std::vector<std::shared_ptr<Callback>>{
        std::make_shared<EarlyStopping>(
            EarlyStoppingOptions{.monitor = "loss", .patience = 1, .min_delta = 1e-3}),
        std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.dir = dir_.string()})};
  };
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.0}), nn::CrossEntropyLoss());
  trainer.fit(train, {.epochs = 10, .callbacks = make_callbacks(), .progress = false});
  ASSERT_EQ(trainer.epoch(), 3);
  Trainer again(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.0}), nn::CrossEntropyLoss());
  again.load_checkpoint((dir_ / "last.safetensors").string());
  again.fit(train, {.epochs = 7, .callbacks = make_callbacks(), .progress = false});
  EXPECT_EQ(again.epoch(), 3);
}

TEST_F(TrainerTest, FreshRunWritesACheckpointBeforeTheFirstEpoch) {
  manual_seed(2);
  data::DataLoader train(blobs(64, 3), {.batch_size = 32});
  nn::Sequential net = make_model();
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), nn::CrossEntropyLoss());
  struct Probe : Callback {
    fs::path dir;
    int rows_seen = -1;
    void on_epoch_end(Trainer&, int epoch, const Logs&) override {
      // metrics.csv is written before the callbacks see the epoch: header plus one row per epoch.
      std::ifstream csv(dir / "metrics.csv");
      int lines = 0;
      for (std::string line; std::getline(csv, line);) ++lines;
      EXPECT_EQ(lines, epoch + 1);
      rows_seen = lines - 1;
    }
  };
  auto probe = std::make_shared<Probe>();
  probe->dir = dir_;
  auto ckpt = std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{.dir = dir_.string()});
  struct FirstBatch : Callback {
    fs::path dir;
    bool saw = false;
    void on_batch_begin(Trainer&, const data::Batch&) override {
      if (!saw) {
        EXPECT_TRUE(fs::exists(dir / "last.safetensors"));
      }
      saw = true;
    }
  };
  auto first = std::make_shared<FirstBatch>();
  first->dir = dir_;
  trainer.fit(train,
              {.epochs = 2, .callbacks = {ckpt, first, probe}, .out_dir = dir_.string(), .progress = false});
  EXPECT_TRUE(first->saw);
  EXPECT_EQ(probe->rows_seen, 2);
}

TEST_F(TrainerTest, InterruptFinishesTheStepAndStops) {
  manual_seed(3);
  data::DataLoader train(blobs(256, 3), {.batch_size = 16});
  nn::Sequential net = make_model();
  Trainer trainer(net.ptr(), optim::SGD(net->parameters(), {.lr = 0.1}), nn::CrossEntropyLoss());
  struct RaiseAt : Callback {
    int64_t steps = 0;
    void on_batch_end(Trainer& t, int64_t, const Logs&) override {
      ++steps;
      if (t.epoch() == 1 && steps == 16 + 3) ::raise(SIGINT);
    }
  };
  install_interrupt_handlers();
  auto raiser = std::make_shared<RaiseAt>();
  trainer.fit(train, {.epochs = 5, .callbacks = {raiser}, .progress = false});
  EXPECT_TRUE(trainer.interrupted());
  EXPECT_EQ(interrupt_signal(), SIGINT);
  EXPECT_EQ(raiser->steps, 16 + 3);  // the step in progress finished, no other began
  EXPECT_EQ(trainer.epoch(), 1);     // the unfinished epoch is not counted or logged
  EXPECT_EQ(trainer.history().epochs.size(), 1u);
  EXPECT_EQ(trainer.global_step(), 16 + 3);
  clear_interrupt();
  std::signal(SIGINT, SIG_DFL);
}

TEST_F(TrainerTest, CheckpointLoadIsAllOrNothing) {
  // A checkpoint whose model fits but whose optimiser state does not: the model keeps its weights.
  nn::Sequential net = make_model();
  Trainer adam(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  data::DataLoader train(blobs(64, 3), {.batch_size = 32});
  adam.fit(train, {.epochs = 1, .progress = false});
  adam.save_checkpoint((dir_ / "adam.safetensors").string());
  manual_seed(5);
  nn::Sequential other = make_model();
  const nn::StateDict before = other->state_dict();
  nn::StateDict kept;
  for (const auto& [k, v] : before) kept[k] = v.clone();
  Trainer sgd(other.ptr(), optim::SGD(other->parameters(), {.lr = 0.1, .momentum = 0.9}),
              nn::CrossEntropyLoss());
  EXPECT_THROW(sgd.load_checkpoint((dir_ / "adam.safetensors").string()), Error);
  for (const auto& [k, v] : other->state_dict()) EXPECT_TRUE(equal(v, kept.at(k))) << k;
  EXPECT_EQ(sgd.epoch(), 0);

  // The format marker is checked.
  io::save_safetensors((dir_ / "plain.safetensors").string(),
                       {{"trainer.epoch", full({}, 1, {.dtype = kInt64})}}, {{"format", "something-else"}});
  try {
    sgd.load_checkpoint((dir_ / "plain.safetensors").string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("format marker 'something-else'"), std::string::npos) << e.what();
  }
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
