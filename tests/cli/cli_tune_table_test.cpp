// `strata tune` on a table config (configs/penguins_mlp.yaml, data from `scripts/fetch-data tables`): the
// data comes through the same loader as `strata train`, so a short random search and a cross-validation
// run on rows of a CSV rather than on images.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

constexpr const char* kSpace = R"(metric: val_accuracy
mode: max
parameters:
  optimizer.lr: {distribution: loguniform, low: 3.0e-3, high: 3.0e-2}
)";

using CliTuneTable = CliFixture;

TEST_F(CliTuneTable, RandomSearchOnPenguins) {
  write("space.yaml", kSpace);
  const CliResult r =
      run({"tune", "-c", (configs_dir() / "penguins_mlp.yaml").string(), "--space", "space.yaml", "--method",
           "random", "--trials", "2", "--epochs", "10", "--out", "tune", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("penguins.csv ("), std::string::npos) << r.err;
  const nlohmann::json j = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(j["trials"], 2);
  EXPECT_EQ(j["complete"], 2);
  // Three well-separated species: 10 epochs of the config's MLP classify most held-out penguins.
  EXPECT_GE(j["val_accuracy"].get<double>(), 0.9) << r.out;
  const std::string best = read_text(dir_ / "tune" / "best_config.yaml");
  EXPECT_NE(best.find("dataset: table"), std::string::npos) << best;
  EXPECT_NE(best.find("target: species"), std::string::npos) << best;
}

TEST_F(CliTuneTable, CrossValidatesPenguins) {
  const CliResult r = run({"tune", "-c", (configs_dir() / "penguins_mlp.yaml").string(), "--cv", "2",
                           "--stratified", "--epochs", "5", "--out", "cv", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(lines_of(r.out).at(0));
  EXPECT_EQ(j["folds"], 2);
  EXPECT_GE(j["val_accuracy_mean"].get<double>(), 0.9) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "cv" / "cv.csv"));
}

}  // namespace
}  // namespace strata::cli_test
