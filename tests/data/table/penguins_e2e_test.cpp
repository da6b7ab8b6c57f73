// End to end on Palmer Penguins (Debian r-cran-palmerpenguins; scripts/fetch-data tables): read the CSV,
// clean it (duplicates, rows without measurements, imputation, outliers), split stratified, fit encoders
// on the training split only, train a small MLP with the Trainer and reach >= 95% test accuracy on species.
#include "data/table/table_test_util.h"
#include "strata/data.h"
#include "strata/io/safetensors.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train.h"

namespace strata::data::table {
namespace {

TEST(PenguinsE2ETest, SpeciesFromCleanedMeasurements) {
  Table t = load_penguins();
  ASSERT_EQ(t.num_rows(), 344);
  EXPECT_EQ(t["species"].levels(), (std::vector<std::string>{"Adelie", "Chinstrap", "Gentoo"}));
  EXPECT_EQ(t["bill_length_mm"].missing_count(), 2);
  EXPECT_EQ(t["sex"].missing_count(), 11);

  std::vector<StepReport> steps;
  steps.push_back(drop_duplicates(t));
  steps.push_back(drop_missing(t, {.threshold = 0.5}));  // the two rows with no measurement at all
  steps.push_back(fill_missing(t, {.strategy = FillStrategy::Knn}));
  steps.push_back(fill_missing(t, {.strategy = FillStrategy::Mode}));  // sex
  steps.push_back(handle_outliers(t, {.method = OutlierMethod::IQR, .action = OutlierAction::Clip}));
  t = t.drop({"year"});
  EXPECT_EQ(t.num_rows(), 342);
  for (const auto& c : t.columns()) EXPECT_EQ(c.missing_count(), 0) << c.name();
  const std::string report = report_markdown(steps, "Penguins");
  EXPECT_NE(report.find("| sex | filled | 9 |"), std::string::npos) << report;  // 11 - the 2 dropped rows

  TableSplit split = split_table(t, {.test = 0.2, .stratify = "species", .seed = 0});
  Preprocessor pre;
  pre.add(EncoderKind::OneHot, {.exclude = {"species"}}).add(EncoderKind::Standard);
  const Table train = pre.fit_transform(split.train);
  const Table test = pre.transform(split.test);
  auto train_set = to_tensor_dataset(train, {.target = "species"});
  auto test_set = to_tensor_dataset(test, {.target = "species"});
  EXPECT_EQ(train_set->inputs().size(1), 9);  // island x3, 4 measurements, sex x2

  // A model this small trains fastest on one thread (wake-ups cost more than the work, most of all on a
  // loaded CI machine); the result is the same for any thread count.
  set_num_threads(1);
  manual_seed(0);
  nn::Sequential net = models::mlp({train_set->inputs().size(1), 32, 3});
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters(), {.lr = 1e-2}), nn::CrossEntropyLoss());
  DataLoader train_loader(train_set, {.batch_size = 32, .shuffle = true, .seed = 0});
  DataLoader test_loader(test_set, {.batch_size = 256});
  trainer.fit(train_loader, {.epochs = 30, .progress = false});
  const double accuracy = trainer.evaluate(test_loader).at("accuracy");
  std::cout << "penguins test accuracy: " << accuracy << " (" << test_set->size() << " rows)\n";
  EXPECT_GE(accuracy, 0.95);

  // The fitted preprocessor travels with the model in one safetensors file and gives the same inputs back.
  testing::TempDir dir;
  auto tensors = net->state_dict();
  std::map<std::string, std::string> metadata;
  pre.export_to(tensors, metadata);
  io::save_safetensors(dir.file("model.safetensors"), tensors, metadata);
  io::SafetensorsFile file = io::read_safetensors(dir.file("model.safetensors"));
  Preprocessor loaded = Preprocessor::import_from(file.tensors, file.metadata);
  EXPECT_TRUE(equal(features_tensor(loaded.transform(split.test).drop({"species"})), test_set->inputs()));
}

}  // namespace
}  // namespace strata::data::table
