#include "data_command.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "strata/data/image/all.h"
#include "strata/data/mnist.h"
#include "table_steps.h"

namespace strata::cli {
namespace {

using data::image::TransformSpec;

std::string at(const std::string& path, const YAML::Node& node) {
  return node.Mark().line >= 0 ? fmt::format("{}:{}", path, node.Mark().line + 1) : path;
}

// "2", "-0.5", "1e-3" -> number; anything else -> nullopt.
std::optional<double> parse_number(const std::string& s) {
  if (s == "true") return 1.0;
  if (s == "false") return 0.0;
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

TransformSpec transform_spec(const YAML::Node& item, const std::string& path) {
  TransformSpec spec;
  spec.where = at(path, item);
  if (item.IsScalar()) {
    spec.name = item.Scalar();
    return spec;
  }
  STRATA_CHECK(item.IsMap() && item.size() == 1,
               "{}: each augment entry is a transform name, or one name with its arguments such as "
               "'random_rotation: {{degrees: 10}}'",
               spec.where);
  const auto entry = *item.begin();
  spec.name = entry.first.as<std::string>();
  const YAML::Node& args = entry.second;
  if (args.IsNull()) return spec;
  STRATA_CHECK(args.IsMap(), "{}: the arguments of {} must be a map such as {{p: 0.5}}", spec.where,
               spec.name);
  for (const auto& kv : args) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (v.IsSequence()) {
      std::vector<double> values;
      for (const auto& x : v) {
        const auto num = x.IsScalar() ? parse_number(x.Scalar()) : std::nullopt;
        STRATA_CHECK(num.has_value(), "{}: {}.{} must be a list of numbers", at(path, x), spec.name, key);
        values.push_back(*num);
      }
      spec.numbers[key] = values;
    } else if (v.IsScalar()) {
      if (const auto num = parse_number(v.Scalar())) {
        spec.numbers[key] = {*num};
      } else {
        spec.strings[key] = v.Scalar();
      }
    } else {
      STRATA_FAIL("{}: {}.{} must be a number, a list of numbers or a word", at(path, v), spec.name, key);
    }
  }
  return spec;
}

namespace {

std::shared_ptr<const data::Dataset> training_set(const std::string& name, const std::string& root,
                                                  const std::string& where) {
  if (name == "fashion-mnist") return std::make_shared<data::FashionMNIST>(true, root);
  if (name == "mnist") return std::make_shared<data::MNIST>(true, root);
  if (name == "emoji") return std::make_shared<data::image::Emoji>(root);
  if (name == "folder") {
    STRATA_CHECK(!root.empty(), "{}: dataset 'folder' needs data.root (a folder of class folders)", where);
    return std::make_shared<data::image::ImageFolder>(root);
  }
  STRATA_FAIL("{}: unknown dataset '{}' (known: fashion-mnist, mnist, emoji, folder)", where, name);
}

// The `data` command that groups the data subcommands, added on first use.
CLI::App* data_command(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "data"; })) return sub;
  CLI::App* data = app.add_subcommand("data", "Inspect and prepare data sets");
  data->require_subcommand(1);
  return data;
}

}  // namespace

CLI::App* add_data_augment_command(CLI::App& app, AugmentArgs& args) {
  CLI::App* data = data_command(app);
  CLI::App* cmd =
      data->add_subcommand("augment", "Write a PNG grid of augmented training samples beside the originals");
  cmd->add_option("-c,--config", args.config, "YAML config with data: and augment: sections")
      ->type_name("FILE")
      ->required()
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            return std::filesystem::is_regular_file(path) ? "" : "config file " + path + " does not exist";
          },
          ""));
  cmd->add_option("--preview", args.preview, "PNG file to write")->type_name("FILE")->required();
  cmd->add_option("--n", args.n, "How many samples (default 16)")->type_name("N")->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", args.seed, "Seed of the sample choice and augmentation (default training.seed)")
      ->type_name("S");
  cmd->add_option("--scale", args.scale, "Upscale each cell by this factor (default: cells of 64 pixels)")
      ->type_name("K")
      ->check(CLI::Range(0, 32));
  cmd->footer(
      "Each row shows pairs: an original training image, then the same image through the augment: pipeline.\n"
      "Transforms: random_horizontal_flip, random_vertical_flip, random_rotation, random_affine, "
      "random_crop,\n"
      "random_resized_crop, resize, center_crop, color_jitter, grayscale, random_grayscale, gaussian_blur,\n"
      "random_erasing, normalize, to_float (arguments as torchvision's; see docs/data.md).");
  return cmd;
}

int run_data_augment(const AugmentArgs& args) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(args.config);
  } catch (const YAML::Exception& e) {
    STRATA_FAIL("{}: not a readable YAML file: {}", args.config, e.what());
  }
  STRATA_CHECK(root.IsMap(), "{}: expected a map with data: and augment: sections", args.config);
  const YAML::Node data_node = root["data"];
  std::string dataset = "fashion-mnist", data_root;
  if (data_node && data_node.IsMap()) {
    if (data_node["dataset"]) dataset = data_node["dataset"].as<std::string>();
    if (data_node["root"]) data_root = data_node["root"].as<std::string>();
  }
  // A training config keeps its augment list under data:.
  const YAML::Node augment =
      root["augment"] || !data_node || !data_node.IsMap() ? root["augment"] : data_node["augment"];
  STRATA_CHECK(augment && augment.IsSequence() && augment.size() > 0,
               "{}: no augment: or data.augment: list (e.g. augment: [random_horizontal_flip, "
               "{{random_rotation: {{degrees: 10}}}}])",
               args.config);
  std::vector<TransformSpec> specs;
  std::string names;
  for (const auto& item : augment) {
    specs.push_back(transform_spec(item, args.config));
    names += (names.empty() ? "" : ", ") + specs.back().name;
  }
  const data::image::RandomTransform pipeline = data::image::make_pipeline(specs);
  uint64_t seed = 0;
  if (args.seed)
    seed = *args.seed;
  else if (root["training"] && root["training"]["seed"])
    seed = root["training"]["seed"].as<uint64_t>();

  const auto set = training_set(dataset, data_root, data_node ? at(args.config, data_node) : args.config);
  const int64_t n = std::min<int64_t>(args.n, set->size());
  STRATA_CHECK(n > 0, "{}: the {} training set is empty", args.config, dataset);
  // A seeded random choice of samples.
  const std::vector<int64_t> order =
      data::random_split(set, std::vector<int64_t>{n, set->size() - n}, seed)[0]->indices();
  data::image::AugmentedDataset augmented(set, pipeline, seed);
  std::vector<Tensor> cells;
  int64_t largest = 1;
  bool out_of_range = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t index = order[static_cast<size_t>(i)];
    const Tensor original = set->get(index).input;
    const Tensor changed = augmented.get(index, 0).input;
    for (const Tensor& t : {original, changed}) {
      STRATA_CHECK(t.dim() == 3 || t.dim() == 2, "{}: sample {} of shape {} is not an image [C, H, W]",
                   args.config, index, t.shape().str());
      largest = std::max({largest, t.size(-1), t.size(-2)});
      if (t.is_floating_point()) out_of_range = out_of_range || t.min().item() < 0.0 || t.max().item() > 1.0;
      cells.push_back(t);
    }
  }
  const auto pairs_per_row = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int64_t scale = args.scale > 0 ? args.scale : std::max<int64_t>(1, (64 + largest - 1) / largest);
  data::image::save_grid(args.preview, cells, 2 * pairs_per_row,
                         {.padding = 2, .pad_value = 1.0, .scale = scale, .normalize = out_of_range});
  std::cout << fmt::format(
      "strata data augment: wrote {} ({} {} samples, original | augmented, {} per row; "
      "pipeline: {}; seed {}{})\n",
      args.preview, n, dataset, pairs_per_row, names, seed,
      out_of_range ? "; values outside [0, 1] stretched per image" : "");
  return 0;
}

namespace {

namespace fs = std::filesystem;
using namespace data::table;

// The file of a table command read with its --na, --type and --drop options.
Table read_table_args(const TableArgs& args, std::string& path) {
  path = find_table_file(args.file);
  std::vector<std::pair<std::string, std::string>> types;
  for (const auto& t : args.types) {
    const size_t eq = t.find('=');
    STRATA_CHECK(eq != std::string::npos && eq > 0,
                 "--type {}: expected COLUMN=TYPE, e.g. --type pclass=category", t);
    types.emplace_back(t.substr(0, eq), t.substr(eq + 1));
    try {
      parse_column_type(types.back().second);
    } catch (const Error&) {
      STRATA_FAIL("--type {}: unknown column type '{}' (known: int, float, bool, category, string)", t,
                  types.back().second);
    }
  }
  Table table = read_table_file(path, args.na, types);
  const std::string file = fs::path(path).filename().string();
  for (const auto& column : args.drop) check_column(table, column, "--drop " + column, "column", file);
  return table.drop(args.drop);
}

// Counts as right-aligned columns under a header row.
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i == 0 ? fmt::format("{:<{}}", row[i], width[i]) : fmt::format("  {:>{}}", row[i], width[i]);
    }
    out += line + "\n";
  }
  return out;
}

int run_describe(const TableArgs& args) {
  std::string path;
  const Table table = read_table_args(args, path);
  std::cout << fmt::format("{}: {} rows x {} columns\n", path, table.num_rows(), table.num_columns());
  std::cout << describe(table).to_string();
  return 0;
}

// A cleaning step given as an option ("--outliers iqr:clip"), checked so a bad name is reported with it.
TableStepConfig option_step(const std::string& kind, const std::string& option, const std::string& value) {
  TableStepConfig s;
  s.kind = kind;
  s.where = value.empty() ? option : option + " " + value;
  if (kind == "drop_missing") {
    const size_t colon = value.find(':');
    s.axis = value.substr(0, colon);
    if (colon != std::string::npos) {
      const std::string t = value.substr(colon + 1);
      try {
        size_t used = 0;
        s.threshold = std::stod(t, &used);
        if (used != t.size()) throw std::invalid_argument(t);
      } catch (const std::exception&) {
        STRATA_FAIL("{}: the threshold '{}' is not a number (e.g. --drop-missing rows:0.5)", s.where, t);
      }
    }
  } else if (kind == "outliers") {
    const size_t colon = value.find(':');
    s.method = value.substr(0, colon);
    s.action = colon == std::string::npos ? "flag" : value.substr(colon + 1);
  } else {
    s.method = value;
  }
  try {
    check_table_step(s);
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", s.where, e.what());
  }
  return s;
}

int run_clean(const TableArgs& args) {
  std::string path;
  const Table input = read_table_args(args, path);
  const std::string file = fs::path(path).filename().string();
  if (!args.target.empty()) check_column(input, args.target, "--target " + args.target, "column", file);
  std::vector<TableStepConfig> steps;
  if (args.dedup) steps.push_back(option_step("dedup", "--dedup", ""));
  if (!args.drop_missing.empty())
    steps.push_back(option_step("drop_missing", "--drop-missing", args.drop_missing));
  for (const auto& strategy : args.impute) steps.push_back(option_step("impute", "--impute", strategy));
  if (!args.outliers.empty()) steps.push_back(option_step("outliers", "--outliers", args.outliers));
  if (!args.encode.empty()) steps.push_back(option_step("encode", "--encode", args.encode));
  if (!args.scale.empty()) steps.push_back(option_step("scale", "--scale", args.scale));

  Table table = input;
  std::vector<StepReport> reports;
  if (!args.drop.empty()) {
    // --drop happened while reading; the report says so too.
    StepReport r;
    r.step = "drop_columns";
    r.description = fmt::format("Dropped the columns {} (--drop).", fmt::join(args.drop, ", "));
    r.removed_columns = args.drop;
    r.rows_before = r.rows_after = table.num_rows();
    r.columns_after = table.num_columns();
    r.columns_before = r.columns_after + static_cast<int64_t>(args.drop.size());
    for (const auto& column : args.drop) r.changes.push_back({column, "dropped", table.num_rows(), "--drop"});
    reports.push_back(r);
  }
  for (const TableStepConfig& step : steps) {
    if (!step.fitted()) {
      reports.push_back(run_cleaning_step(table, step, args.target, args.seed));
      continue;
    }
    Encoder encoder = make_encoder(step, args.target);
    StepReport r;
    try {
      table = encoder.fit_transform(table, &r);
    } catch (const Error& e) {
      STRATA_FAIL("{}: {}", step.where, e.what());
    }
    reports.push_back(r);
  }
  write_csv(table, args.out);
  if (!args.report.empty()) {
    std::ofstream report(args.report);
    report << report_markdown(reports, "Data cleaning report: " + file);
    STRATA_CHECK(report.good(), "cannot write the report {}", args.report);
  }
  std::cout << fmt::format(
      "strata data clean: {} ({} rows x {} columns) -> {} ({} rows x {} columns){}\n", path, input.num_rows(),
      input.num_columns() + static_cast<int64_t>(args.drop.size()), args.out, table.num_rows(),
      table.num_columns(), args.report.empty() ? "" : "; report " + args.report);
  for (size_t i = 0; i < reports.size(); ++i) {
    const StepReport& r = reports[i];
    std::cout << fmt::format("  {}. {}: {} cells changed, {} rows removed, {} columns removed, {} added\n",
                             i + 1, r.step, r.cells_changed(), r.rows_before - r.rows_after,
                             r.removed_columns.size(), r.added_columns.size());
  }
  return 0;
}

int run_split(const TableArgs& args) {
  STRATA_CHECK(args.test > 0 && args.test < 1, "--test must be in (0, 1), got {}", args.test);
  STRATA_CHECK(args.val >= 0 && args.val < 1, "--val must be in [0, 1), got {}", args.val);
  STRATA_CHECK(args.test + args.val < 1, "--test {} and --val {} leave no training rows", args.test,
               args.val);
  std::string path;
  const Table table = read_table_args(args, path);
  const std::string file = fs::path(path).filename().string();
  if (!args.stratify.empty())
    check_column(table, args.stratify, "--stratify " + args.stratify, "column", file);
  const SplitIndices split = train_val_test_split(
      table, {.test = args.test, .val = args.val, .stratify = args.stratify, .seed = args.seed});
  STRATA_CHECK(!split.train.empty(), "{} has too few rows ({}) for the split", path, table.num_rows());

  std::vector<std::pair<std::string, const std::vector<int64_t>*>> parts{{"train", &split.train}};
  if (args.val > 0) parts.emplace_back("val", &split.val);
  parts.emplace_back("test", &split.test);
  // Class names in order of first appearance, as class_ids numbers them.
  std::vector<std::string> classes;
  std::vector<int64_t> ids;
  if (!args.stratify.empty()) {
    const Column& column = table[args.stratify];
    ids = class_ids(column);
    for (int64_t row = 0; row < table.num_rows(); ++row) {
      if (ids[static_cast<size_t>(row)] == static_cast<int64_t>(classes.size()))
        classes.push_back(column.is_missing(row) ? "NA" : column.text(row));
    }
  }
  std::vector<std::vector<std::string>> rows{{"split", "rows"}};
  for (const auto& c : classes) rows[0].push_back(c);
  std::error_code error;
  fs::create_directories(args.out, error);
  STRATA_CHECK(!error, "cannot create the folder {}: {}", args.out, error.message());
  const std::string stem = file.substr(0, file.find('.'));
  std::vector<std::string> written;
  for (const auto& [name, indices] : parts) {
    std::vector<std::string> row{name, std::to_string(indices->size())};
    std::vector<int64_t> counts(classes.size());
    for (int64_t i : *indices) {
      if (!ids.empty()) ++counts[static_cast<size_t>(ids[static_cast<size_t>(i)])];
    }
    for (int64_t n : counts) row.push_back(std::to_string(n));
    rows.push_back(row);
    const std::string out = (fs::path(args.out) / fmt::format("{}_{}.csv", stem, name)).string();
    write_csv(table.take(*indices), out);
    written.push_back(out);
  }
  std::cout << fmt::format("strata data split: {} ({} rows), seed {}{}\n", path, table.num_rows(), args.seed,
                           args.stratify.empty() ? "" : ", stratified on " + args.stratify);
  std::cout << aligned(rows);
  std::cout << fmt::format("wrote {}\n", fmt::join(written, ", "));
  return 0;
}

void add_table_options(CLI::App* cmd, TableArgs& args) {
  cmd->add_option("file", args.file, "CSV/TSV file (.gz too) or ARFF file")->type_name("FILE")->required();
  cmd->add_option("--na", args.na,
                  "A token read as missing (repeatable; default: '', NA, N/A, NaN, null, ?, ...)")
      ->type_name("TOKEN")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one value each time, so FILE may follow
  cmd->add_option("--type", args.types,
                  "Column type replacing the inferred one, e.g. pclass=category (repeatable)")
      ->type_name("COLUMN=TYPE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_option("--drop", args.drop, "Leave this column out (repeatable)")
      ->type_name("COLUMN")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
}

}  // namespace

TableCommands add_data_table_commands(CLI::App& app, TableArgs& args) {
  CLI::App* data = data_command(app);
  TableCommands c;
  c.describe =
      data->add_subcommand("describe", "Summary statistics of each column of a table (as pandas' describe)");
  add_table_options(c.describe, args);

  c.clean = data->add_subcommand("clean",
                                 "Clean a table and write it as CSV, with a Markdown report of each change");
  add_table_options(c.clean, args);
  c.clean->add_flag("--dedup", args.dedup, "Drop exact duplicate rows (the first copy stays)");
  c.clean
      ->add_option("--drop-missing", args.drop_missing,
                   "Drop rows (or columns) with missing values: rows, columns, or rows:F / columns:F to drop "
                   "only those with more than a fraction F missing")
      ->type_name("AXIS[:F]");
  c.clean
      ->add_option("--impute", args.impute,
                   "Fill missing values: mean, median, mode, constant, ffill, bfill, interpolate, knn "
                   "(repeatable, in order: --impute knn --impute mode)")
      ->type_name("STRATEGY")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  c.clean
      ->add_option("--outliers", args.outliers,
                   "Outliers in numeric columns: zscore, robust, iqr or iforest, with :flag, :drop or :clip")
      ->type_name("METHOD[:ACTION]");
  c.clean->add_option("--encode", args.encode, "Encode category and text columns: onehot or ordinal")
      ->type_name("KIND");
  c.clean->add_option("--scale", args.scale, "Scale numeric columns: standard, minmax or robust")
      ->type_name("KIND");
  c.clean->add_option("--target", args.target, "Column left as it is (the one a model predicts)")
      ->type_name("COLUMN");
  c.clean->add_option("--out", args.out, "CSV file to write")->type_name("FILE")->required();
  c.clean->add_option("--report", args.report, "Markdown report of what changed, per column, and why")
      ->type_name("FILE");
  c.clean->add_option("--seed", args.seed, "Seed of the Isolation Forest (default 0)")->type_name("S");
  c.clean->footer(
      "Steps run in this order: --drop, --dedup, --drop-missing, --impute (each), --outliers, --encode, "
      "--scale.");

  c.split = data->add_subcommand(
      "split", "Split a table into train/(val)/test CSV files, seeded and optionally stratified");
  add_table_options(c.split, args);
  c.split->add_option("--test", args.test, "Fraction of rows for the test split (default 0.2)")
      ->type_name("F");
  c.split->add_option("--val", args.val, "Fraction of rows for a validation split (default 0: none)")
      ->type_name("F");
  c.split->add_option("--stratify", args.stratify, "Keep this column's class proportions in every split")
      ->type_name("COLUMN");
  c.split->add_option("--seed", args.seed, "Seed of the shuffle (default 0)")->type_name("S");
  args.out = ".";
  c.split->add_option("--out", args.out, "Folder for NAME_train.csv, NAME_val.csv, NAME_test.csv (default .)")
      ->type_name("DIR");
  return c;
}

int run_data_table(const TableCommands& commands, const TableArgs& args) {
  if (*commands.describe) return run_describe(args);
  if (*commands.clean) return run_clean(args);
  return run_split(args);
}

}  // namespace strata::cli
