// Named metrics in Trainer::fit and Trainer::evaluate (FitOptions::metrics).
#include <gtest/gtest.h>

#include "blobs_dataset.h"
#include "metrics/metrics_test_util.h"
#include "strata/data.h"
#include "strata/metrics/registry.h"
#include "strata/nn.h"
#include "strata/ops/indexing.h"
#include "strata/optim.h"
#include "strata/train/trainer.h"

namespace strata::metrics {
namespace {

using testing::error_of;

using strata::testing::blobs;

TEST(TrainerMetrics, FitLogsNamedMetricsForTrainingAndValidation) {
  manual_seed(0);
  data::DataLoader train(blobs(300, 1), {.batch_size = 32, .shuffle = true, .seed = 3});
  data::DataLoader val(blobs(150, 2), {.batch_size = 64});
  nn::Sequential net(nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3));
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  const train::History h = trainer.fit(
      train,
      {.epochs = 3, .validation = &val, .progress = false, .metrics = {"f1_macro", "accuracy", "log_loss"}});
  ASSERT_EQ(h.epochs.size(), 3u);
  for (const train::Logs& logs : h.epochs) {
    for (const char* key : {"f1_macro", "val_f1_macro", "log_loss", "val_log_loss", "loss", "val_loss"}) {
      EXPECT_TRUE(logs.count(key)) << key;
    }
  }
  const train::Logs& last = h.epochs.back();
  EXPECT_GT(last.at("val_f1_macro"), 0.85);
  EXPECT_LE(last.at("val_f1_macro"), 1.0);
  // log_loss of the logits is the cross-entropy the Trainer reports as the validation loss.
  EXPECT_NEAR(last.at("val_log_loss"), last.at("val_loss"), 1e-4);
  // evaluate() gives the same validation values.
  const train::Logs eval = trainer.evaluate(val, {"f1_macro"});
  EXPECT_NEAR(eval.at("f1_macro"), last.at("val_f1_macro"), 1e-12);
}

TEST(TrainerMetrics, BadNamesFailBeforeTraining) {
  data::DataLoader train(blobs(40, 1), {.batch_size = 20});
  nn::Sequential net(nn::Linear(2, 3));
  train::Trainer trainer(net.ptr(), optim::SGD(net->parameters()), nn::CrossEntropyLoss());
  std::string msg =
      error_of([&] { trainer.fit(train, {.epochs = 1, .progress = false, .metrics = {"f1_macr"}}); });
  EXPECT_NE(msg.find("unknown metric 'f1_macr' (did you mean 'f1_macro'?)"), std::string::npos) << msg;
  msg = error_of(
      [&] { trainer.fit(train, {.epochs = 1, .progress = false, .metrics = {"confusion_matrix"}}); });
  EXPECT_NE(msg.find("fit: metric 'confusion_matrix' is not a single number"), std::string::npos) << msg;
  EXPECT_EQ(trainer.epoch(), 0);
  EXPECT_THROW(trainer.evaluate(train, {"nope"}), Error);
}

}  // namespace
}  // namespace strata::metrics
