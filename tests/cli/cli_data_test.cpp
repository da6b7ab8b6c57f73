// `strata data describe|clean|split` on the pandas fixtures of tests/fixtures/table (values checked against
// golden.json, which pandas and scikit-learn wrote), the data.table and data.augment sections of training
// configs, and their error messages.
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "strata/data/table/all.h"

namespace strata::cli_test {
namespace {

using namespace data::table;

const fs::path kTables = fs::path(STRATA_FIXTURES_DIR) / "table";

const nlohmann::json& golden() {
  static const nlohmann::json g = nlohmann::json::parse(read_text(kTables / "golden.json"));
  return g;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class CliDataTest : public CliFixture {};

TEST_F(CliDataTest, DescribeMatchesPandas) {
  const CliResult r = run({"data", "describe", (kTables / "mixed.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 8u) << r.out;  // shape, header, 6 columns
  EXPECT_NE(lines[0].find("40 rows x 6 columns"), std::string::npos) << lines[0];
  EXPECT_EQ(words(lines[1]),
            (std::vector<std::string>{"column", "type", "count", "missing", "mean", "std", "min", "25%",
                                      "50%", "75%", "max", "distinct", "top", "freq"}));
  const auto& g = golden()["describe"];
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::vector<std::string> w = words(lines[i]);
    ASSERT_GE(w.size(), 12u) << lines[i];
    SCOPED_TRACE(w[0]);
    const auto& e = g.at(w[0]);
    EXPECT_EQ(std::stoll(w[2]), e["count"].get<int64_t>());
    EXPECT_EQ(std::stoll(w[3]), e["missing"].get<int64_t>());
    EXPECT_EQ(std::stoll(w[11]), e["distinct"].get<int64_t>());
    if (!e.contains("mean")) {
      EXPECT_EQ(w[4], "NA");
      continue;
    }
    const char* keys[] = {"mean", "std", "min", "q25", "median", "q75", "max"};
    for (size_t k = 0; k < 7; ++k) {
      const double want = e[keys[k]].get<double>();
      EXPECT_NEAR(std::stod(w[4 + k]), want, 1e-5 * std::max(1.0, std::abs(want))) << keys[k];  // 6 digits
    }
  }
}

TEST_F(CliDataTest, CleanImputesAsPandasAndReportsPerColumn) {
  // A repeatable option takes one value, so the file may come after it.
  const CliResult r = run({"data", "clean", "--impute", "mean", (kTables / "mixed.csv").string(), "--out",
                           "clean.csv", "--report", "report.md"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("-> clean.csv (40 rows x 6 columns)"), std::string::npos) << r.out;
  const Table t = read_csv((dir_ / "clean.csv").string());
  const auto& want = golden()["fill"]["mean"]["a"];
  ASSERT_EQ(t.num_rows(), static_cast<int64_t>(want.size()));
  for (int64_t i = 0; i < t.num_rows(); ++i) EXPECT_DOUBLE_EQ(t["a"].number(i), want[i].get<double>()) << i;
  EXPECT_EQ(t["b"].missing_count(), 0);
  EXPECT_EQ(t["cat"].missing_count(), 3);  // the mean does not apply to categories
  const std::string report = read_text(dir_ / "report.md");
  EXPECT_NE(report.find("# Data cleaning report: mixed.csv"), std::string::npos) << report;
  EXPECT_NE(report.find("| a | filled | 5 | mean 9.40756889135656"), std::string::npos) << report;
  EXPECT_NE(report.find("| b | filled | 3 |"), std::string::npos) << report;
}

TEST_F(CliDataTest, CleanClipsOutliersAtThePandasFences) {
  const CliResult r = run(
      {"data", "clean", (kTables / "mixed.csv").string(), "--outliers", "zscore:clip", "--out", "clean.csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Table t = read_csv((dir_ / "clean.csv").string());
  const auto& want = golden()["outliers"]["a"]["zscore"]["clipped"];
  for (int64_t i = 0; i < t.num_rows(); ++i) {
    if (want[i].is_null()) {
      EXPECT_TRUE(t["a"].is_missing(i)) << i;
    } else {
      EXPECT_NEAR(t["a"].number(i), want[i].get<double>(), 1e-12) << i;
    }
  }
}

TEST_F(CliDataTest, CleanDedupsEncodesAndScalesInOrder) {
  const CliResult r = run({"data", "clean", (kTables / "dups.csv").string(), "--dedup", "--encode", "onehot",
                           "--scale", "standard", "--target", "x", "--out", "clean.csv", "--report", "r.md"});
  ASSERT_EQ(r.code, 0) << r.err;
  // dups.csv has 8 rows, 2 exact copies (pandas' duplicated(keep="first")).
  int64_t copies = 0;
  for (const auto& flag : golden()["duplicates"]["first"]) copies += flag.get<bool>();
  EXPECT_EQ(copies, 2);
  const Table t = read_csv((dir_ / "clean.csv").string());
  EXPECT_EQ(t.num_rows(), 8 - copies);
  EXPECT_NE(r.out.find("1. drop_duplicates: 2 cells changed, 2 rows removed"), std::string::npos) << r.out;
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"x", "y_p", "y_q", "y_r", "y_s", "y_t",
                                                        "z"}));  // x: --target, untouched
  EXPECT_EQ(t["x"].int_values(), (std::vector<int64_t>{1, 2, 3, 1, 4, 3}));
  // z standardised over its present values (population std, as scikit-learn).
  double sum = 0, squares = 0;
  int64_t n = 0;
  for (int64_t i = 0; i < t.num_rows(); ++i) {
    if (t["z"].is_missing(i)) continue;
    sum += t["z"].number(i), squares += t["z"].number(i) * t["z"].number(i), ++n;
  }
  EXPECT_EQ(n, 5);
  EXPECT_NEAR(sum / n, 0.0, 1e-12);
  EXPECT_NEAR(squares / n, 1.0, 1e-12);
  const std::string report = read_text(dir_ / "r.md");
  EXPECT_NE(report.find("## drop_duplicates"), std::string::npos) << report;
  EXPECT_NE(report.find("| y |"), std::string::npos) << report;  // what the encoder did to y
}

TEST_F(CliDataTest, SplitIsSeededStratifiedAndAsTheLibrary) {
  const std::string file = (kTables / "mixed.csv").string();
  const CliResult r = run({"data", "split", file, "--stratify", "cat", "--test", "0.25", "--val", "0.1",
                           "--seed", "3", "--out", "s"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Table table = read_csv(file);
  const SplitIndices want =
      train_val_test_split(table, {.test = 0.25, .val = 0.1, .stratify = "cat", .seed = 3});
  // The id column is the row number, so each file's ids are the library's indices.
  for (const auto& [name, indices] :
       {std::pair{"train", &want.train}, {"val", &want.val}, {"test", &want.test}}) {
    const Table part = read_csv((dir_ / "s" / fmt::format("mixed_{}.csv", name)).string());
    EXPECT_EQ(part["id"].int_values(), *indices) << name;
  }
  EXPECT_EQ(want.test.size(), 10u);  // ceil(0.25 * 40)
  EXPECT_EQ(want.val.size(), 4u);
  // Counts per class as printed: one row per split, the classes in order of first appearance.
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  EXPECT_NE(lines[0].find("stratified on cat"), std::string::npos);
  const std::vector<std::string> header = words(lines[1]);
  const std::vector<int64_t> ids = class_ids(table["cat"]);
  const size_t classes = static_cast<size_t>(*std::max_element(ids.begin(), ids.end()) + 1);
  ASSERT_EQ(header.size(), 2 + classes) << lines[1];
  EXPECT_EQ(header[4], "NA") << lines[1];  // missing is a class of its own, third to appear
  for (size_t s = 0; s < 3; ++s) {
    const std::vector<int64_t>& rows = s == 0 ? want.train : s == 1 ? want.val : want.test;
    const std::vector<std::string> w = words(lines[2 + s]);
    ASSERT_EQ(w.size(), header.size()) << lines[2 + s];
    EXPECT_EQ(std::stoll(w[1]), static_cast<int64_t>(rows.size()));
    for (size_t c = 0; c < classes; ++c) {
      int64_t count = 0;
      for (int64_t i : rows) count += ids[static_cast<size_t>(i)] == static_cast<int64_t>(c);
      EXPECT_EQ(std::stoll(w[2 + c]), count) << header[2 + c] << " in " << w[0];
    }
  }
  // Another seed, other rows.
  ASSERT_EQ(run({"data", "split", file, "--seed", "4", "--out", "t"}).code, 0);
  EXPECT_NE(read_text(dir_ / "t" / "mixed_test.csv"), read_text(dir_ / "s" / "mixed_test.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "t" / "mixed_val.csv"));
}

TEST_F(CliDataTest, HelpOnTheTableCommands) {
  for (const char* cmd : {"describe", "clean", "split"}) {
    const CliResult r = run({"data", cmd, "--help"});
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--na"), std::string::npos) << cmd;
  }
  EXPECT_NE(run({"data", "clean", "--help"}).out.find("--outliers METHOD[:ACTION]"), std::string::npos);
  EXPECT_NE(run({"data", "split", "--help"}).out.find("--stratify"), std::string::npos);
}

TEST_F(CliDataTest, BadArgumentsAreOneLineErrors) {
  const std::string mixed = (kTables / "mixed.csv").string();
  expect_error(run({"data", "describe", "nope.csv"}), {"table file nope.csv does not exist"});
  expect_error(run({"data", "split", mixed, "--stratify", "kat"}),
               {"--stratify kat", "'kat' is not a column of mixed.csv", "did you mean 'cat'?"});
  expect_error(run({"data", "clean", mixed, "--target", "bb", "--out", "c.csv"}), {"--target bb", "'bb'"});
  expect_error(run({"data", "describe", mixed, "--drop", "nope"}), {"--drop nope", "not a column"});
  expect_error(run({"data", "clean", mixed, "--outliers", "iqr:foo", "--out", "c.csv"}),
               {"--outliers iqr:foo", "unknown action 'foo'"});
  expect_error(run({"data", "clean", mixed, "--outliers", "iforest:clip", "--out", "c.csv"}),
               {"--outliers iforest:clip", "cannot clip"});
  expect_error(run({"data", "clean", mixed, "--impute", "medain", "--out", "c.csv"}),
               {"--impute medain", "unknown strategy 'medain'"});
  expect_error(run({"data", "clean", mixed, "--encode", "standard", "--out", "c.csv"}),
               {"--encode standard", "is a scaler, not an encoder"});
  expect_error(run({"data", "clean", mixed, "--drop-missing", "diagonal", "--out", "c.csv"}),
               {"--drop-missing diagonal", "rows or columns"});
  expect_error(run({"data", "clean", mixed, "--impute", "mean"}),
               {"--out is required", "(see 'strata data clean --help')"});
  expect_error(run({"data", "split", mixed, "--bogus"}),
               {"unknown option '--bogus' for 'strata data split'", "(see 'strata data split --help')"});
  expect_error(run({"data", "split", mixed, "--test", "1.5"}), {"--test must be in (0, 1), got 1.5"});
  expect_error(run({"data", "split", mixed, "--test", "0.5", "--val", "0.5"}), {"leave no training rows"});
  expect_error(run({"data", "describe", mixed, "--type", "a=decimal"}),
               {"--type a=decimal", "unknown column type"});
  write("broken.csv", "a,b\n1,2\n3\n");
  expect_error(run({"data", "describe", "broken.csv"}), {"broken.csv", "line 3"});
}

// A table config whose line numbers the errors below name.
constexpr const char* kTableConfig = R"(data:
  dataset: table
  table:
    path: penguins.csv
    target: species
    drop: [year]
    steps:
      - dedup
      - impute: knn
      - impute: mode
      - encode: onehot
      - scale: standard
model:
  layers:
    - linear: {in: 9, out: 3}
training:
  threads: 1
)";

// kTableConfig with line `line` (1-based) replaced by `text`.
std::string table_config_with(int line, const std::string& text) {
  std::vector<std::string> lines = lines_of(kTableConfig);
  lines[static_cast<size_t>(line - 1)] = text;
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST_F(CliDataTest, TableConfigsFitTheModelAndNameFileLineAndField) {
  write("t.yaml", kTableConfig);
  const CliResult summary = run({"summary", "-c", "t.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("Total params: 30"), std::string::npos) << summary.out;  // 9 * 3 + 3

  write("a.yaml", table_config_with(5, "    target: specis"));
  expect_error(
      run({"summary", "-c", "a.yaml"}),
      {"a.yaml:5", "data.table.target 'specis' is not a column of penguins.csv", "did you mean 'species'"});
  write("b.yaml", table_config_with(9, "      - impute: knnn"));
  expect_error(run({"summary", "-c", "b.yaml"}), {"b.yaml:9", "step 'impute'", "unknown strategy 'knnn'"});
  write("c.yaml", table_config_with(9, "      - outliers: \"iqr:foo\""));
  expect_error(run({"summary", "-c", "c.yaml"}), {"c.yaml:9", "unknown action 'foo'"});
  write("d.yaml", table_config_with(12, "      - dedup"));
  expect_error(run({"summary", "-c", "d.yaml"}), {"d.yaml:12", "step 'dedup' comes after 'encode'"});
  write("e.yaml", table_config_with(9, "      - imptue: knn"));
  expect_error(run({"summary", "-c", "e.yaml"}),
               {"e.yaml:9", "unknown step 'imptue'", "did you mean 'impute'"});
  write("f.yaml", table_config_with(9, "      - impute: {strategy: knn, neighbours: 3}"));
  expect_error(
      run({"summary", "-c", "f.yaml"}),
      {"f.yaml:9", "unknown field 'data.table.steps.impute.neighbours'", "did you mean 'neighbors'"});
  write("g.yaml", table_config_with(6, "    drop: [yaer]"));
  expect_error(run({"summary", "-c", "g.yaml"}),
               {"g.yaml:6", "'yaer' is not a column", "did you mean 'year'"});
  write("h.yaml", table_config_with(4, "    path: nowhere.csv"));
  expect_error(run({"summary", "-c", "h.yaml"}), {"table file nowhere.csv does not exist"});
  write("i.yaml", table_config_with(4, "    pth: penguins.csv"));
  expect_error(run({"summary", "-c", "i.yaml"}), {"i.yaml:4", "unknown field 'data.table.pth'", "'path'"});
  write("j.yaml", table_config_with(11, "      - encode: {kind: onehot, columns: [islnd]}"));
  expect_error(run({"summary", "-c", "j.yaml"}), {"j.yaml:11", "'islnd' is not a column", "'island'"});
  write("k.yaml", table_config_with(15, "    - linear: {in: 8, out: 3}"));
  expect_error(run({"summary", "-c", "k.yaml"}), {"k.yaml:15", "does not fit its input of shape [1, 9]"});
  write("l.yaml", table_config_with(11, "      - scale: minmax"));  // leaves island a category
  expect_error(run({"summary", "-c", "l.yaml"}), {"l.yaml:4", "column 'island' is category"});
  expect_error(run({"summary", "-c", "t.yaml", "--set", "data.table.test_fraction=1"}),
               {"--set data.table.test_fraction=1", "must be in (0, 1)"});
  expect_error(run({"summary", "-c", "t.yaml", "--set", "data.dataset=mnist"}),
               {"'data.table' does not apply to dataset 'mnist'"});
}

// A linear model on 512 Fashion-MNIST images; with and without data.augment.
constexpr const char* kImageConfig = R"(data:
  limit: 512
  test_limit: 256
model:
  layers:
    - flatten
    - linear: {in: 784, out: 10}
training:
  threads: 1
)";

TEST_F(CliDataTest, AugmentInTrainConfigs) {
  write("plain.yaml", kImageConfig);
  const std::string text = kImageConfig;
  const std::string data_section = "data:\n";
  write("flip.yaml",
        data_section + "  augment: [{random_horizontal_flip: {p: 1}}]\n" + text.substr(data_section.size()));
  write("noop.yaml",
        data_section + "  augment: [{random_horizontal_flip: {p: 0}}]\n" + text.substr(data_section.size()));
  auto test_loss = [&](const std::string& config, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"train", "-c", config, "--out", "run_" + config, "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult r = run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? nlohmann::json::parse(lines_of(r.out).back())["test_loss"].get<double>() : -1.0;
  };
  // A transform that never fires leaves training exactly as without augmentation: the images are normalised
  // after the pipeline as they are without one, and the validation split is held out the same way.
  const double plain = test_loss("plain.yaml");
  EXPECT_EQ(test_loss("noop.yaml"), plain);
  EXPECT_EQ(test_loss("noop.yaml", {"--set", "data.normalize=false"}),
            test_loss("plain.yaml", {"--set", "data.normalize=false"}));
  EXPECT_EQ(test_loss("noop.yaml", {"--set", "data.val_fraction=0.25"}),
            test_loss("plain.yaml", {"--set", "data.val_fraction=0.25"}));
  // Mirrored training images train another model.
  EXPECT_NE(test_loss("flip.yaml"), plain);
  // The resolved config keeps the list, and `strata data augment` previews it.
  EXPECT_NE(read_text(dir_ / "run_flip.yaml" / "config.yaml").find("random_horizontal_flip"),
            std::string::npos);
  const CliResult preview =
      run({"data", "augment", "--config", "flip.yaml", "--preview", "grid.png", "--n", "4"});
  EXPECT_EQ(preview.code, 0) << preview.err;
  EXPECT_TRUE(fs::is_regular_file(dir_ / "grid.png"));
}

TEST_F(CliDataTest, AugmentErrorsNameFileAndLine) {
  const std::string head = "data:\n  limit: 64\n  augment:\n";
  const std::string model = "model:\n  layers: [flatten, {linear: {in: 784, out: 10}}]\n";
  write("a.yaml", head + "    - random_flip\n" + model);
  expect_error(run({"summary", "-c", "a.yaml"}),
               {"a.yaml:4", "data.augment", "unknown transform 'random_flip'"});
  write("b.yaml", head + "    - random_horizontal_flip\n    - random_rotation: {degres: 10}\n" + model);
  expect_error(run({"summary", "-c", "b.yaml"}), {"b.yaml:5", "random_rotation", "degres"});
  write("c.yaml", head + "    - random_rotation: {degrees: [1, 2, 3]}\n" + model);
  expect_error(run({"summary", "-c", "c.yaml"}), {"c.yaml:4", "degrees"});
  write("d.yaml", "data:\n  augment: flip\n" + model);
  expect_error(run({"summary", "-c", "d.yaml"}), {"d.yaml:2", "must be a non-empty list of transforms"});
  std::string table_augment = kTableConfig;
  table_augment.insert(table_augment.find("  table:"), "  augment: [random_horizontal_flip]\n");
  write("e.yaml", table_augment);
  expect_error(run({"summary", "-c", "e.yaml"}), {"e.yaml:3", "does not apply to dataset 'table'"});
}

}  // namespace
}  // namespace strata::cli_test
