// `strata train` and `strata eval` on the tabular configs (configs/penguins_mlp.yaml,
// configs/titanic_mlp.yaml; data from `scripts/fetch-data tables`) reach the library pipeline's bars
// (tests/data/table/*_e2e_test.cpp):
// >= 95% test accuracy on penguin species, >= 77% on Titanic survival. Eval reuses the encoders and scalers
// saved in the run folder.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

class CliTableE2ETest : public CliFixture {
 protected:
  // Trains `config` into run/ and returns the final test metrics.
  nlohmann::json train(const std::string& config) {
    const CliResult r =
        run({"train", "-c", (configs_dir() / config).string(), "--out", "run", "--no-progress"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(lines_of(r.out).back()) : nlohmann::json::object();
  }
  nlohmann::json eval(const std::string& config, std::vector<std::string> extra = {}) {
    // The checkpoint the final test figures of strata train come from (selected on validation).
    std::vector<std::string> args{"eval", "-c", config, "--checkpoint", "run/best.safetensors"};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = run(args);
    EXPECT_EQ(last_.code, 0) << last_.err;
    return last_.code == 0 ? nlohmann::json::parse(lines_of(last_.out).back()) : nlohmann::json::object();
  }
  CliResult last_;
};

TEST_F(CliTableE2ETest, PenguinsSpecies) {
  const nlohmann::json m = train("penguins_mlp.yaml");
  ASSERT_TRUE(m.contains("test_accuracy")) << m;
  std::cout << "penguins test accuracy (strata train): " << m["test_accuracy"] << "\n";
  EXPECT_GE(m["test_accuracy"].get<double>(), 0.95);
  for (const char* file : {"best.safetensors", "last.safetensors", "config.yaml", "preprocessing.json"})
    EXPECT_TRUE(fs::is_regular_file(dir_ / "run" / file)) << file;

  // The resolved config reads back as itself and evaluates to the same numbers; the report names the species.
  const nlohmann::json e = eval("run/config.yaml");
  EXPECT_EQ(e["test_accuracy"], m["test_accuracy"]);
  EXPECT_EQ(e["test_loss"], m["test_loss"]);
  EXPECT_EQ(e["samples"], 69);  // 20% of the 342 penguins with measurements
  const std::string report = read_text(dir_ / "run" / "classification_report.txt");
  for (const char* species : {"Adelie", "Chinstrap", "Gentoo"})
    EXPECT_NE(report.find(species), std::string::npos) << report;
  ASSERT_EQ(run({"train", "-c", "run/config.yaml", "--out", "again", "--no-progress"}).code, 0);
  EXPECT_EQ(read_text(dir_ / "again" / "config.yaml"), read_text(dir_ / "run" / "config.yaml"));

  // A config asking for another scaler keeps the test rows; eval still scales them as training did, with
  // the saved standard scaler. Without preprocessing.json it fits (and uses) the min-max scaler instead.
  const std::string minmax =
      "data.table.steps=[dedup, {drop_missing: {axis: rows, threshold: 0.5}}, {impute: knn}, {impute: mode}, "
      "{outliers: \"iqr:clip\"}, {encode: onehot}, {scale: minmax}]";
  const nlohmann::json saved = eval("run/config.yaml", {"--set", minmax});
  EXPECT_EQ(saved["test_loss"], m["test_loss"]);
  EXPECT_EQ(last_.err.find("no saved preprocessing"), std::string::npos) << last_.err;
  fs::remove(dir_ / "run" / "preprocessing.json");
  const nlohmann::json refitted = eval("run/config.yaml", {"--set", minmax});
  EXPECT_NE(refitted["test_loss"], m["test_loss"]);
  EXPECT_NE(last_.err.find("no saved preprocessing beside run/best.safetensors"), std::string::npos)
      << last_.err;
}

TEST_F(CliTableE2ETest, TitanicSurvival) {
  const nlohmann::json m = train("titanic_mlp.yaml");
  ASSERT_TRUE(m.contains("test_accuracy")) << m;
  std::cout << "titanic test accuracy (strata train): " << m["test_accuracy"] << "\n";
  EXPECT_GE(m["test_accuracy"].get<double>(), 0.77);
  const nlohmann::json e = eval((configs_dir() / "titanic_mlp.yaml").string());
  EXPECT_EQ(e["test_accuracy"], m["test_accuracy"]);
  EXPECT_EQ(e["samples"], 262);  // 20% of 1309 passengers, as the library's split
  // A saved preprocessing that does not fit the config's features is refused.
  std::string json = read_text(dir_ / "run" / "preprocessing.json");
  const size_t at = json.find("\"embarked\"");
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at, 10, "\"nowhere\"");
  std::ofstream(dir_ / "run" / "preprocessing.json") << json;
  const CliResult bad = run(
      {"eval", "-c", (configs_dir() / "titanic_mlp.yaml").string(), "--checkpoint", "run/last.safetensors"});
  expect_error(bad, {"preprocessing.json"});
}

}  // namespace
}  // namespace strata::cli_test
