// End to end on Titanic (OpenML 40945, the ARFF in python3-sklearn's test data; scripts/fetch-data tables):
// read the ARFF, drop identifiers and after-the-fact columns, keep cabin's missingness as a feature, impute
// age/fare/embarked, clip extreme fares, split stratified, encode on the training split only and train a
// small MLP to >= 77% test accuracy on survival.
#include "data/table/table_test_util.h"
#include "strata/data.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train.h"

namespace strata::data::table {
namespace {

TEST(TitanicE2ETest, SurvivalFromCleanedPassengerData) {
  Table t = load_titanic();
  ASSERT_EQ(t.num_rows(), 1309);
  EXPECT_EQ(t["age"].missing_count(), 263);
  EXPECT_EQ(t["cabin"].missing_count(), 1014);

  std::vector<StepReport> steps;
  steps.push_back(drop_duplicates(t));
  // boat and body are known only after the sinking (they leak the answer); name, ticket and home.dest
  // identify.
  t = t.drop({"boat", "body", "name", "ticket", "home.dest"});
  steps.push_back(add_missing_indicators(t, {"cabin"}));
  steps.push_back(drop_missing(t, {.axis = Axis::Columns, .threshold = 0.5}));  // cabin: 77% missing
  EXPECT_FALSE(t.has_column("cabin"));
  steps.push_back(fill_missing(t, {.strategy = FillStrategy::Median}));  // age, fare
  steps.push_back(fill_missing(t, {.strategy = FillStrategy::Mode}));    // embarked
  steps.push_back(
      handle_outliers(t, {.method = OutlierMethod::IQR, .action = OutlierAction::Clip, .columns = {"fare"}}));
  t.replace_column("pclass", t["pclass"].cast(ColumnType::Category));
  const std::string report = report_markdown(steps, "Titanic");
  EXPECT_NE(report.find("| age | filled | 263 | median 28 |"), std::string::npos) << report;
  EXPECT_NE(report.find("| fare | clipped |"), std::string::npos) << report;

  TableSplit split = split_table(t, {.test = 0.2, .stratify = "survived", .seed = 0});
  Preprocessor pre;
  pre.add(EncoderKind::OneHot, {.exclude = {"survived"}}).add(EncoderKind::Robust);
  auto train_set = to_tensor_dataset(pre.fit_transform(split.train), {.target = "survived"});
  auto test_set = to_tensor_dataset(pre.transform(split.test), {.target = "survived"});
  EXPECT_EQ(test_set->size(), 262);

  // A model this small trains fastest on one thread (wake-ups cost more than the work, most of all on a
  // loaded CI machine); the result is the same for any thread count.
  set_num_threads(1);
  manual_seed(0);
  nn::Sequential net = models::mlp({train_set->inputs().size(1), 16, 2});
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 2e-3}), nn::CrossEntropyLoss());
  DataLoader train_loader(train_set, {.batch_size = 32, .shuffle = true, .seed = 0});
  DataLoader test_loader(test_set, {.batch_size = 512});
  trainer.fit(train_loader, {.epochs = 50, .progress = false});
  const double accuracy = trainer.evaluate(test_loader).at("accuracy");
  std::cout << "titanic test accuracy: " << accuracy << " (" << test_set->size() << " rows)\n";
  // Split seeds 0-11 give 77.5-86.2% (mean 82.1%) with this pipeline; seed 0 gives 80.9%.
  EXPECT_GE(accuracy, 0.77);
}

}  // namespace
}  // namespace strata::data::table
