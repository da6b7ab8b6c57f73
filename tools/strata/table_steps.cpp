#include "table_steps.h"

#include <filesystem>

#include "strata/core/error.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
using namespace data::table;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The library's parse_* errors start with the function's name; a user reads the rest.
std::string without_function(const std::string& message) {
  if (message.rfind("parse_", 0) != 0) return message;
  const size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

template <typename F>
auto parsed(F&& parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw Error(without_function(e.what()));
  }
}

// Every column of the given types except `target`.
std::vector<std::string> columns_but(const Table& table, std::initializer_list<ColumnType> types,
                                     const std::string& target) {
  std::vector<std::string> out;
  for (const auto& name : table.columns_of_type(types)) {
    if (name != target) out.push_back(name);
  }
  return out;
}

}  // namespace

void check_table_step(TableStepConfig& s) {
  if (s.kind == "drop_missing") {
    STRATA_CHECK(s.axis == "rows" || s.axis == "columns", "axis must be rows or columns, got '{}'", s.axis);
    STRATA_CHECK(!s.threshold || (*s.threshold >= 0 && *s.threshold < 1),
                 "threshold (the missing fraction above which a {} goes) must be in [0, 1), got {}",
                 s.axis == "rows" ? "row" : "column", *s.threshold);
  } else if (s.kind == "impute") {
    s.method = std::string(to_string(parsed([&] { return parse_fill_strategy(s.method); })));
    STRATA_CHECK(s.neighbors > 0, "neighbors must be positive, got {}", s.neighbors);
  } else if (s.kind == "outliers") {
    const OutlierMethod method = parsed([&] { return parse_outlier_method(s.method); });
    const OutlierAction action = parsed([&] { return parse_outlier_action(s.action); });
    STRATA_CHECK(!(method == OutlierMethod::IsolationForest && action == OutlierAction::Clip),
                 "an Isolation Forest scores whole rows, so it cannot clip values (use flag or drop)");
    STRATA_CHECK(!s.threshold || *s.threshold > 0, "threshold must be positive, got {}", *s.threshold);
    s.method = std::string(to_string(method));
    s.action = std::string(to_string(action));
  } else if (s.kind == "encode" || s.kind == "scale") {
    const EncoderKind kind = parsed([&] { return parse_encoder_kind(s.method); });
    const bool scaler = Encoder(kind).is_scaler();
    STRATA_CHECK(scaler == (s.kind == "scale"),
                 "'{}' is {}, not {} (encode: onehot, ordinal; scale: standard, "
                 "minmax, robust)",
                 s.method, scaler ? "a scaler" : "an encoder", s.kind == "scale" ? "a scaler" : "an encoder");
    s.method = std::string(to_string(kind));
  } else {
    STRATA_CHECK(s.kind == "dedup" || s.kind == "missing_indicator", "unknown step '{}'", s.kind);
  }
}

std::string find_table_file(const std::string& path, const std::string& root) {
  STRATA_CHECK(!path.empty(), "no table file given");
  std::vector<std::string> tried{path};
  if (fs::is_regular_file(path)) return path;
  if (fs::path(path).is_relative()) {
    if (!root.empty()) tried.push_back((fs::path(root) / path).string());
    tried.push_back((fs::path(tables_root()) / path).string());
    for (size_t i = 1; i < tried.size(); ++i) {
      if (fs::is_regular_file(tried[i])) return tried[i];
    }
  }
  STRATA_FAIL(
      "table file {} does not exist (looked at {}); `scripts/fetch-data tables` puts penguins.csv and "
      "the Titanic ARFF into {}",
      path, fmt::join(tried, ", "), tables_root());
}

Table read_table_file(const std::string& path, const std::vector<std::string>& na,
                      const std::vector<std::pair<std::string, std::string>>& types) {
  std::map<std::string, ColumnType> column_types;
  for (const auto& [column, type] : types) column_types[column] = parse_column_type(type);
  if (ends_with(path, ".arff") || ends_with(path, ".arff.gz"))
    return read_arff(path, {.types = column_types});
  CsvOptions options{.types = column_types};
  if (!na.empty()) options.na_values = na;
  return read_csv(path, options);
}

void check_column(const Table& table, const std::string& column, const std::string& where,
                  const std::string& what, const std::string& file) {
  if (table.has_column(column)) return;
  const std::vector<std::string> names = table.column_names();
  STRATA_FAIL("{}: {} '{}' is not a column of {}{} (columns: {})", where, what, column, file,
              did_you_mean(column, names), fmt::join(names, ", "));
}

StepReport run_cleaning_step(Table& table, const TableStepConfig& s, const std::string& target,
                             uint64_t seed) {
  for (const auto& column : s.columns)
    check_column(table, column, s.where, "step '" + s.kind + "': column", "the table at this step");
  try {
    if (s.kind == "dedup") return drop_duplicates(table, {.subset = s.columns});
    if (s.kind == "drop_missing") {
      DropMissingOptions o{.axis = s.axis == "columns" ? Axis::Columns : Axis::Rows,
                           .threshold = s.threshold.value_or(0.0),
                           .subset = s.columns};
      // A column drop never takes the target with it.
      if (o.axis == Axis::Columns && o.subset.empty()) {
        for (const auto& name : table.column_names()) {
          if (name != target) o.subset.push_back(name);
        }
      }
      return drop_missing(table, o);
    }
    if (s.kind == "missing_indicator") return add_missing_indicators(table, s.columns);
    if (s.kind == "impute") {
      return fill_missing(table, {.strategy = parse_fill_strategy(s.method),
                                  .columns = s.columns,
                                  .value = s.value,
                                  .text = s.text,
                                  .knn_neighbors = static_cast<int>(s.neighbors),
                                  .add_indicator = s.indicator});
    }
    if (s.kind == "outliers") {
      return handle_outliers(
          table,
          {.method = parse_outlier_method(s.method),
           .action = parse_outlier_action(s.action),
           .columns = s.columns.empty() ? columns_but(table, {ColumnType::Int, ColumnType::Float}, target)
                                        : s.columns,
           .threshold = s.threshold,
           .seed = seed});
    }
  } catch (const Error& e) {
    STRATA_FAIL("{}: step '{}': {}", s.where, s.kind, e.what());
  }
  STRATA_FAIL("{}: step '{}' is not a cleaning step", s.where, s.kind);
}

Encoder make_encoder(const TableStepConfig& s, const std::string& target) {
  EncoderOptions options{.columns = s.columns};
  if (!target.empty()) options.exclude = {target};
  return Encoder(parse_encoder_kind(s.method), options);
}

}  // namespace strata::cli
