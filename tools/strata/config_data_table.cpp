// Reader: data.table of a `strata train` config.
#include <map>
#include <set>

#include "config_reader.h"
#include "strata/data/table/table.h"
#include "table_steps.h"

namespace strata::cli::detail {

// data.table (`node` may be undefined): the table source's fields. Column names are checked when the
// table is read (load_table_data), with the places recorded here.
void Reader::read_table_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
  const bool given = node.IsDefined() && !node.IsNull();
  if (given && d.dataset != "table")
    fail(node, "data.table", fmt::format("'data.table' does not apply to dataset '{}'", d.dataset));
  if (d.dataset != "table") return;
  if (!given) {
    fail(node.IsDefined() ? node : asked, "data.table",
         "dataset 'table' needs a 'data.table' section with at least 'path' (a CSV or ARFF file) and "
         "'target' (the column to predict)");
  }
  const std::string section = "data.table";
  check_section(node, section, false);
  check_keys(node, section,
             {"path", "target", "task", "drop", "na", "types", "steps", "test_fraction", "stratify", "seed"});
  TableDataConfig& t = d.table;
  t.where = where(node, section);
  for (const char* key : {"path", "target"}) {
    if (!node[key].IsDefined() || node[key].IsNull()) {
      fail(node, section + "." + key,
           fmt::format("field '{}.{}' is missing (the {})", section, key,
                       std::string(key) == "path" ? "CSV or ARFF file" : "column to predict"));
    }
  }
  read(node, section, "path", t.path);
  read(node, section, "target", t.target);
  t.target_where = where(node["target"], section + ".target");
  read(node, section, "task", t.task);
  if (t.task != "auto" && t.task != "classification" && t.task != "regression") {
    fail(
        node["task"], section + ".task",
        fmt::format("field '{}.task' must be auto, classification or regression, got '{}'", section, t.task));
  }
  read_list(node, section, "drop", t.drop);
  if (node["drop"].IsDefined()) t.drop_where = where(node["drop"], section + ".drop");
  read_list(node, section, "na", t.na);
  read_column_types(node["types"], t);
  read(node, section, "test_fraction", t.test_fraction);
  read(node, section, "stratify", t.stratify);
  read(node, section, "seed", t.seed);
  auto at = [&](const char* key) { return node[key].IsDefined() ? node[key] : node; };
  if (!(t.test_fraction > 0 && t.test_fraction < 1))
    fail(at("test_fraction"), section + ".test_fraction",
         "field 'data.table.test_fraction' must be in (0, 1)");
  if (!(t.test_fraction + d.val_fraction < 1)) {
    fail(at("test_fraction"), section + ".test_fraction",
         fmt::format("data.table.test_fraction {} and data.val_fraction {} leave no training rows",
                     t.test_fraction, d.val_fraction));
  }
  const YAML::Node steps = node["steps"];
  if (!steps.IsDefined() || steps.IsNull()) return;
  if (!steps.IsSequence()) {
    fail(steps, section + ".steps",
         fmt::format("'data.table.steps' must be a list of steps such as [dedup, {{impute: median}}, "
                     "{{encode: onehot}}, {{scale: standard}}], got {}",
                     describe(steps)));
  }
  std::string fitted;  // the first encode or scale step
  for (const auto& item : steps) {
    const TableStepConfig& s = t.steps.emplace_back(read_table_step(item));
    if (s.fitted()) {
      if (fitted.empty()) fitted = s.kind;
    } else if (!fitted.empty()) {
      // Cleaning runs on the whole table before the split; encoders are fitted on its training part.
      fail(item, section + ".steps",
           fmt::format("step '{}' comes after '{}': cleaning steps run on the whole table before the "
                       "split, encode and scale are fitted on the training split after it, so they come last",
                       s.kind, fitted));
    }
  }
}

// data.table.types: {column: type, ...}.
void Reader::read_column_types(const YAML::Node& node, TableDataConfig& t) const {
  if (!node.IsDefined() || node.IsNull()) return;
  const std::string field = "data.table.types";
  if (!node.IsMap()) {
    fail(node, field,
         fmt::format("'{}' must be a map of column types such as {{pclass: category}}, got {}", field,
                     describe(node)));
  }
  for (const auto& kv : node) {
    const std::string column = as<std::string>(kv.first, field);
    const std::string type = as<std::string>(kv.second, field + "." + column);
    try {
      data::table::parse_column_type(type);
    } catch (const Error&) {
      fail(kv.second, field + "." + column,
           fmt::format("field '{}.{}': unknown column type '{}' (known: int, float, bool, category, string)",
                       field, column, type));
    }
    t.types.emplace_back(column, type);
  }
}

// One item of data.table.steps: `name`, `name: shorthand` (impute: median, outliers: "iqr:clip",
// encode: onehot, missing_indicator: [cabin]) or `name: {field: value, ...}`.
TableStepConfig Reader::read_table_step(const YAML::Node& item) const {
  static const std::map<std::string, std::set<std::string>> fields{
      {"dedup", {"columns"}},
      {"drop_missing", {"axis", "threshold", "columns"}},
      {"missing_indicator", {"columns"}},
      {"impute", {"strategy", "columns", "value", "text", "neighbors", "indicator"}},
      {"outliers", {"method", "action", "columns", "threshold"}},
      {"encode", {"kind", "columns"}},
      {"scale", {"kind", "columns"}},
  };
  std::vector<std::string> kinds;
  for (const auto& [k, _] : fields) kinds.push_back(k);
  const std::string list = "data.table.steps";
  TableStepConfig s;
  YAML::Node args;
  if (item.IsScalar()) {
    s.kind = item.Scalar();
  } else if (item.IsMap() && item.size() == 1 && (*item.begin()).first.IsScalar()) {
    s.kind = (*item.begin()).first.Scalar();
    args.reset((*item.begin()).second);
  } else {
    fail(item, list,
         fmt::format("each step is a name ('dedup') or a one-entry map ('impute: median', "
                     "'outliers: {{method: iqr, action: clip}}'), got {}",
                     describe(item)));
  }
  s.where = where(item, list);
  if (!fields.count(s.kind)) {
    fail(item, list,
         fmt::format("unknown step '{}'{} (known: {})", s.kind, did_you_mean(s.kind, kinds), join(kinds)));
  }
  const std::string field = list + "." + s.kind;
  const YAML::Node& at = args.IsDefined() && !args.IsNull() ? args : item;
  // Defaults, then the shorthand or the map.
  if (s.kind == "impute") s.method = "median";
  if (s.kind == "outliers") s.method = "iqr", s.action = "flag";
  if (s.kind == "encode") s.method = "onehot";
  if (s.kind == "scale") s.method = "standard";
  if (args.IsScalar()) {
    if (s.kind == "dedup" || s.kind == "missing_indicator") {
      fail(args, field,
           fmt::format("step '{}' takes a list of columns or a map, got {}", s.kind, describe(args)));
    }
    const std::string word = args.Scalar();
    if (s.kind == "drop_missing") {
      s.axis = word;
    } else if (s.kind == "outliers") {
      const size_t colon = word.find(':');
      s.method = word.substr(0, colon);
      if (colon != std::string::npos) s.action = word.substr(colon + 1);
    } else {
      s.method = word;
    }
  } else if (args.IsSequence()) {
    read_list(item, list, s.kind.c_str(), s.columns);
  } else if (args.IsMap()) {
    check_keys(args, field, fields.at(s.kind));
    read_list(args, field, "columns", s.columns);
    read(args, field, "axis", s.axis);
    double threshold = 0;
    if (read(args, field, "threshold", threshold)) s.threshold = threshold;
    read(args, field, "strategy", s.method);
    read(args, field, "method", s.method);
    read(args, field, "kind", s.method);
    read(args, field, "action", s.action);
    read(args, field, "value", s.value);
    read(args, field, "text", s.text);
    read(args, field, "neighbors", s.neighbors);
    read(args, field, "indicator", s.indicator);
  } else if (args.IsDefined() && !args.IsNull()) {
    fail(args, field,
         fmt::format("step '{}' takes a name, a list of columns or a map, got {}", s.kind, describe(args)));
  }
  try {
    check_table_step(s);
  } catch (const Error& e) {
    fail(at, field, fmt::format("step '{}': {}", s.kind, e.what()));
  }
  return s;
}

}  // namespace strata::cli::detail
