// Stratified 5-fold cross-validation of a small MLP on Palmer Penguins (r-cran-palmerpenguins, via
// scripts/fetch-data tables): the mean validation accuracy is at least 95%. Encoders and scalers are fitted
// on each fold's training rows only.
#include <gtest/gtest.h>

#include <chrono>

#include "strata/data/table/convert.h"
#include "strata/data/table/datasets.h"
#include "strata/data/table/encoding.h"
#include "strata/data/table/missing.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train/trainer.h"
#include "strata/tune/cross_validation.h"

namespace strata::tune {
namespace {

namespace table = data::table;

TEST(CrossValidationE2E, PenguinsStratifiedFiveFoldAtLeast95Percent) {
  const auto start = std::chrono::steady_clock::now();
  table::Table penguins = table::load_penguins();
  penguins.drop_column("year");
  table::drop_missing(penguins);  // 333 complete rows
  ASSERT_GT(penguins.num_rows(), 300);
  const std::vector<int64_t> labels = table::class_ids(penguins.column("species"));

  const CrossValidationResult cv = cross_validate(
      penguins.num_rows(),
      [&](const table::Fold& fold, int index) {
        table::Table train = penguins.take(fold.train), val = penguins.take(fold.test);
        table::Preprocessor prep;
        prep.add(table::EncoderKind::OneHot, {.exclude = {"species"}});
        prep.add(table::EncoderKind::Standard, {.exclude = {"species"}});
        train = prep.fit_transform(train);
        val = prep.transform(val);
        const table::DatasetOptions options{.target = "species"};
        auto train_set = table::to_tensor_dataset(train, options);
        auto val_set = table::to_tensor_dataset(val, options);
        const int64_t features = train_set->inputs().size(1);

        manual_seed(static_cast<uint64_t>(index));
        auto model = nn::Sequential(nn::Linear(features, 16), nn::ReLU(), nn::Linear(16, 3));
        data::DataLoader train_loader(train_set, {.batch_size = 32, .shuffle = true, .seed = 1});
        data::DataLoader val_loader(val_set, {.batch_size = 256});
        train::Trainer trainer(model.ptr(), optim::Adam(model->parameters(), {.lr = 0.01}),
                               nn::CrossEntropyLoss());
        trainer.fit(train_loader, {.epochs = 40, .progress = false});
        const train::Logs logs = trainer.evaluate(val_loader);
        return Metrics{{"val_accuracy", logs.at("accuracy")}, {"val_loss", logs.at("loss")}};
      },
      {.folds = 5, .stratified = true, .seed = 0}, labels);

  std::printf("%s(%.1f s)\n", cv.summary().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ASSERT_EQ(cv.folds.size(), 5u);
  EXPECT_GE(cv.mean.at("val_accuracy"), 0.95);
  EXPECT_LT(cv.std.at("val_accuracy"), 0.05);
}

}  // namespace
}  // namespace strata::tune
