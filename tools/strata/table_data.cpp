// The tabular datasets of `strata train`: a CSV/ARFF table, a target column and cleaning steps.
//
// Cleaning steps (dedup, drop_missing, missing_indicator, impute, outliers) run on the whole table, then a
// seeded split (stratified on the target for classification) cuts it into train/val/test, and the encode and
// scale steps are fitted on the training split only. They are saved as preprocessing.json in the run folder
// so `strata eval` transforms the test split exactly as training did.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/io/atomic_file.h"
#include "table_steps.h"
#include "training_data.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
using namespace data::table;

constexpr const char* kPreprocessingFile = "preprocessing.json";

TargetKind target_kind(const TableDataConfig& t, const Column& target) {
  if (t.task == "classification") return TargetKind::Classification;
  if (t.task == "regression") return TargetKind::Regression;
  return target.type() == ColumnType::Float ? TargetKind::Regression : TargetKind::Classification;
}

}  // namespace

TrainingData load_table_data(const Config& c, bool with_train) {
  const TableDataConfig& tc = c.data.table;
  const std::string path = find_table_file(tc.path, c.data.root);
  const std::string file = fs::path(path).filename().string();
  Table table;
  try {
    table = read_table_file(path, tc.na, tc.types);
  } catch (const Error& e) {
    STRATA_FAIL("{}: data.table: {}", tc.where, e.what());
  }
  check_column(table, tc.target, tc.target_where, "data.table.target", file);
  for (const auto& column : tc.drop) {
    check_column(table, column, tc.drop_where, "data.table.drop: column", file);
    STRATA_CHECK(column != tc.target, "{}: data.table.drop names the target '{}'", tc.drop_where, column);
  }
  table = table.drop(tc.drop);
  // Rows without a target teach nothing and cannot be scored.
  drop_missing(table, {.subset = {tc.target}});

  for (const TableStepConfig& step : tc.steps) {
    if (!step.fitted()) run_cleaning_step(table, step, tc.target, tc.seed);
  }
  STRATA_CHECK(table.num_rows() > 0, "{}: no rows of {} are left after the cleaning steps", tc.where, file);
  const TargetKind kind = target_kind(tc, table[tc.target]);
  const bool classification = kind == TargetKind::Classification;

  SplitOptions split_options{.test = tc.test_fraction, .val = c.data.val_fraction, .seed = tc.seed};
  if (classification && tc.stratify) split_options.stratify = tc.target;
  const TableSplit split = split_table(table, split_options);
  STRATA_CHECK(split.train.num_rows() > 0 && split.test.num_rows() > 0,
               "{}: {} rows are too few for a training and a test split (test_fraction {})", tc.where,
               table.num_rows(), tc.test_fraction);

  Preprocessor fitted;
  for (const TableStepConfig& step : tc.steps) {
    if (!step.fitted()) continue;
    for (const auto& column : step.columns)
      check_column(table, column, step.where, "step '" + step.kind + "': column", file);
    fitted.add(make_encoder(step, tc.target));
  }
  try {
    fitted.fit(split.train);
  } catch (const Error& e) {
    STRATA_FAIL("{}: data.table.steps: {}", tc.where, e.what());
  }
  // The splits as tensors; every feature must be a number without gaps by now.
  const DatasetOptions options{.target = tc.target, .target_kind = kind};
  auto tensors = [options](const Preprocessor& pre, const Table& part) {
    return to_tensor_dataset(pre.transform(part), options);
  };

  TrainingData d;
  try {
    d.test = tensors(fitted, split.test);
    if (with_train) {
      d.train = tensors(fitted, split.train);
      if (split.val.num_rows() > 0) d.val = tensors(fitted, split.val);
    }
  } catch (const Error& e) {
    STRATA_FAIL("{}: data.table: {} (or leave it out with data.table.drop)", tc.where, e.what());
  }
  const int64_t features = d.test->get(0).input.numel();
  d.input_shape = Shape{1, features};
  if (classification) d.classes = class_names(table[tc.target]);
  d.description = fmt::format("{} ({} rows, {} features, {} {})", file, table.num_rows(), features,
                              classification ? "classes of" : "regression on", tc.target);

  d.save_preprocessing = [fitted](const std::string& run_dir) {
    const std::string out = (fs::path(run_dir) / kPreprocessingFile).string();
    io::write_file_atomic(out, fitted.to_json() + "\n");
  };
  d.load_preprocessing = [test = split.test, tensors, where = tc.where, features](const std::string& run_dir,
                                                                                  TrainingData& data) {
    const fs::path saved = fs::path(run_dir) / kPreprocessingFile;
    if (!fs::is_regular_file(saved)) return false;
    std::ifstream in(saved);
    std::stringstream text;
    text << in.rdbuf();
    Preprocessor pre;
    try {
      pre = Preprocessor::from_json(text.str());
    } catch (const Error& e) {
      STRATA_FAIL("{}: {}", saved.string(), e.what());
    }
    std::shared_ptr<data::TensorDataset> set;
    try {
      set = tensors(pre, test);
    } catch (const Error& e) {
      STRATA_FAIL("{} does not fit the table of {}: {}", saved.string(), where, e.what());
    }
    const int64_t got = set->get(0).input.numel();
    STRATA_CHECK(got == features,
                 "{} turns the test rows into {} features, but the config's steps give {}: it was saved by a "
                 "run of another config",
                 saved.string(), got, features);
    data.test = set;
    return true;
  };
  return d;
}

}  // namespace strata::cli
