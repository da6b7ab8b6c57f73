#include "strata/data/table/outliers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "data/table/table_util.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/data/table/isolation_forest.h"

namespace strata::data::table {
namespace {

constexpr double kMadConstant = 0.6745;  // Phi^-1(3/4): makes the MAD of a normal sample comparable to std

double default_threshold(OutlierMethod m) {
  switch (m) {
    case OutlierMethod::ZScore:
      return 3.0;
    case OutlierMethod::RobustZ:
      return 3.5;
    case OutlierMethod::IQR:
      return 1.5;
    case OutlierMethod::IsolationForest:
      return 0.6;
  }
  return 0.0;
}

std::vector<std::string> chosen_columns(const Table& table, const OutlierOptions& options, const char* what) {
  if (options.columns.empty()) return table.columns_of_type({ColumnType::Int, ColumnType::Float});
  for (const auto& name : options.columns) {
    STRATA_CHECK(table.has_column(name), "{}: no column '{}' (columns: {})", what, name,
                 fmt::join(table.column_names(), ", "));
    const Column& c = table.column(name);
    STRATA_CHECK(c.type() == ColumnType::Int || c.type() == ColumnType::Float,
                 "{}: column '{}' is {}; outliers are found in int and float columns", what, name,
                 to_string(c.type()));
  }
  return options.columns;
}

// Rows flagged by the forest, by threshold or by contamination.
std::vector<uint8_t> forest_flags(const std::vector<double>& scores, const OutlierOptions& options,
                                  double t) {
  std::vector<uint8_t> flags(scores.size(), 0);
  if (options.contamination > 0) {
    STRATA_CHECK(options.contamination < 0.5, "handle_outliers: contamination must be in (0, 0.5), got {}",
                 options.contamination);
    const auto k = static_cast<size_t>(std::ceil(options.contamination * static_cast<double>(scores.size())));
    std::vector<size_t> order(scores.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    for (size_t i = 0; i < k && i < order.size(); ++i) flags[order[i]] = 1;
  } else {
    for (size_t i = 0; i < scores.size(); ++i) flags[i] = scores[i] > t;
  }
  return flags;
}

}  // namespace

OutlierMethod parse_outlier_method(std::string_view name) {
  const std::string n = detail::lower(name);
  if (n == "zscore" || n == "z" || n == "z_score") return OutlierMethod::ZScore;
  if (n == "robust" || n == "robust_z" || n == "robustz" || n == "mad") return OutlierMethod::RobustZ;
  if (n == "iqr") return OutlierMethod::IQR;
  if (n == "iforest" || n == "isolation_forest" || n == "isolationforest")
    return OutlierMethod::IsolationForest;
  STRATA_FAIL("parse_outlier_method: unknown method '{}' (expected zscore, robust, iqr or iforest)", name);
}

OutlierAction parse_outlier_action(std::string_view name) {
  const std::string n = detail::lower(name);
  if (n == "flag") return OutlierAction::Flag;
  if (n == "drop") return OutlierAction::Drop;
  if (n == "clip" || n == "winsorize" || n == "winsorise") return OutlierAction::Clip;
  STRATA_FAIL("parse_outlier_action: unknown action '{}' (expected flag, drop or clip)", name);
}

std::pair<OutlierMethod, OutlierAction> parse_outlier_spec(std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return {parse_outlier_method(spec), OutlierAction::Flag};
  return {parse_outlier_method(spec.substr(0, colon)), parse_outlier_action(spec.substr(colon + 1))};
}

std::string_view to_string(OutlierMethod method) {
  switch (method) {
    case OutlierMethod::ZScore:
      return "zscore";
    case OutlierMethod::RobustZ:
      return "robust";
    case OutlierMethod::IQR:
      return "iqr";
    case OutlierMethod::IsolationForest:
      return "iforest";
  }
  return "?";
}

std::string_view to_string(OutlierAction action) {
  switch (action) {
    case OutlierAction::Flag:
      return "flag";
    case OutlierAction::Drop:
      return "drop";
    case OutlierAction::Clip:
      return "clip";
  }
  return "?";
}

Fences outlier_fences(const Column& column, OutlierMethod method, std::optional<double> threshold) {
  STRATA_CHECK(method != OutlierMethod::IsolationForest,
               "outlier_fences: Isolation Forest scores rows, it has no per-column fences");
  STRATA_CHECK(column.type() == ColumnType::Int || column.type() == ColumnType::Float,
               "outlier_fences: column '{}' is {}, not int or float", column.name(),
               to_string(column.type()));
  const double t = threshold.value_or(default_threshold(method));
  STRATA_CHECK(t > 0, "outlier_fences: the threshold must be positive, got {}", t);
  std::vector<double> v = detail::present_values(column);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (v.empty()) return {-kInf, kInf};
  std::sort(v.begin(), v.end());
  switch (method) {
    case OutlierMethod::ZScore: {
      const double mu = detail::mean(v), sd = detail::stddev(v, 0);
      if (!(sd > 0)) return {-kInf, kInf};
      return {mu - t * sd, mu + t * sd};
    }
    case OutlierMethod::RobustZ: {
      const double med = detail::quantile_sorted(v, 0.5);
      std::vector<double> dev(v.size());
      for (size_t i = 0; i < v.size(); ++i) dev[i] = std::abs(v[i] - med);
      const double mad = detail::quantile(std::move(dev), 0.5);
      if (!(mad > 0)) return {-kInf, kInf};
      const double half = t * mad / kMadConstant;
      return {med - half, med + half};
    }
    case OutlierMethod::IQR: {
      const double q1 = detail::quantile_sorted(v, 0.25), q3 = detail::quantile_sorted(v, 0.75);
      return {q1 - t * (q3 - q1), q3 + t * (q3 - q1)};
    }
    case OutlierMethod::IsolationForest:
      break;
  }
  return {-kInf, kInf};
}

std::vector<double> isolation_forest_scores(const Table& table, const std::vector<std::string>& columns,
                                            const OutlierOptions& options) {
  STRATA_CHECK(!columns.empty(), "isolation_forest_scores: no int or float columns to score");
  const int64_t n = table.num_rows();
  const auto d = static_cast<int64_t>(columns.size());
  std::vector<double> x(static_cast<size_t>(n * d));
  for (int64_t f = 0; f < d; ++f) {
    const Column& c = table.column(columns[static_cast<size_t>(f)]);
    std::vector<double> present = detail::present_values(c);
    const double fill = present.empty() ? 0.0 : detail::quantile(std::move(present), 0.5);
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i * d + f)] = c.is_missing(i) ? fill : c.number(i);
  }
  IsolationForest forest(
      {.n_estimators = options.n_estimators, .max_samples = options.max_samples, .seed = options.seed});
  const Tensor t = from_vector<double>(x, Shape{n, d});
  forest.fit(t);
  return forest.score(t).to_vector<double>();
}

std::vector<uint8_t> detect_outliers(const Table& table, const OutlierOptions& options) {
  const std::vector<std::string> cols = chosen_columns(table, options, "detect_outliers");
  std::vector<uint8_t> flags(static_cast<size_t>(table.num_rows()), 0);
  if (cols.empty() || table.num_rows() == 0) return flags;
  if (options.method == OutlierMethod::IsolationForest) {
    return forest_flags(isolation_forest_scores(table, cols, options), options,
                        options.threshold.value_or(default_threshold(options.method)));
  }
  for (const auto& name : cols) {
    const Column& c = table.column(name);
    const Fences f = outlier_fences(c, options.method, options.threshold);
    for (int64_t i = 0; i < c.size(); ++i) {
      const double v = c.number(i);
      if (!c.is_missing(i) && (v < f.lower || v > f.upper)) flags[static_cast<size_t>(i)] = 1;
    }
  }
  return flags;
}

StepReport handle_outliers(Table& table, const OutlierOptions& options) {
  const OutlierMethod m = options.method;
  STRATA_CHECK(
      !(m == OutlierMethod::IsolationForest && options.action == OutlierAction::Clip),
      "handle_outliers: clip is not defined for Isolation Forest (it scores whole rows); use flag or drop");
  const std::vector<std::string> cols = chosen_columns(table, options, "handle_outliers");
  const double t = options.threshold.value_or(default_threshold(m));
  StepReport r;
  r.step = fmt::format("outliers ({}: {})", to_string(m), to_string(options.action));
  r.rows_before = table.num_rows();
  r.columns_before = table.num_columns();
  const char* rule = m == OutlierMethod::ZScore    ? "|z| > {}"
                     : m == OutlierMethod::RobustZ ? "robust |z| (0.6745 |x - median| / MAD) > {}"
                     : m == OutlierMethod::IQR     ? "outside [Q1 - {0} IQR, Q3 + {0} IQR]"
                                                   : "Isolation Forest score > {}";
  r.description = fmt::format("Outliers by {}; action: {}.", fmt::format(fmt::runtime(rule), t),
                              to_string(options.action));
  if (m == OutlierMethod::IsolationForest && options.contamination > 0) {
    r.description = fmt::format(
        "Outliers: the {:g}% of rows with the highest Isolation Forest scores ({} trees, "
        "psi {}, seed {}); action: {}.",
        options.contamination * 100, options.n_estimators, options.max_samples, options.seed,
        to_string(options.action));
  }

  std::vector<uint8_t> flags(static_cast<size_t>(table.num_rows()), 0);
  if (!cols.empty() && table.num_rows() > 0) {
    if (m == OutlierMethod::IsolationForest) {
      flags = forest_flags(isolation_forest_scores(table, cols, options), options, t);
      int64_t count = 0;
      for (uint8_t f : flags) count += f;
      r.changes.push_back({fmt::format("{}", fmt::join(cols, ", ")),
                           options.action == OutlierAction::Drop ? "dropped rows" : "flagged", count,
                           "anomalous rows over these columns together"});
    } else {
      for (const auto& name : cols) {
        Column& c = table.column(name);
        Fences f = outlier_fences(c, m, options.threshold);
        const std::string fences = fmt::format("fences [{:.6g}, {:.6g}]", f.lower, f.upper);
        if (options.action == OutlierAction::Clip && c.type() == ColumnType::Int) {
          f.lower = std::ceil(f.lower);
          f.upper = std::floor(f.upper);
        }
        int64_t count = 0;
        for (int64_t i = 0; i < c.size(); ++i) {
          if (c.is_missing(i)) continue;
          const double v = c.number(i);
          if (v >= f.lower && v <= f.upper) continue;
          ++count;
          flags[static_cast<size_t>(i)] = 1;
          if (options.action == OutlierAction::Clip) c.set_number(i, v < f.lower ? f.lower : f.upper);
        }
        if (count > 0) {
          const char* action = options.action == OutlierAction::Clip   ? "clipped"
                               : options.action == OutlierAction::Drop ? "dropped rows"
                                                                       : "flagged";
          r.changes.push_back({name, action, count, fences});
        }
      }
    }
  }
  if (options.action == OutlierAction::Flag) {
    std::vector<bool> v(flags.begin(), flags.end());
    Column flag = Column::from_bools(options.flag_column, v);
    if (table.has_column(options.flag_column)) {
      STRATA_CHECK(table.column(options.flag_column).type() == ColumnType::Bool,
                   "handle_outliers: column '{}' exists and is not a bool flag column", options.flag_column);
      // Combine with an earlier flag column: a row stays flagged.
      const Column& old = table.column(options.flag_column);
      for (int64_t i = 0; i < old.size(); ++i) {
        if (!old.is_missing(i) && old.int_at(i)) flag.set_number(i, 1);
      }
      table.replace_column(options.flag_column, std::move(flag));
    } else {
      table.add_column(std::move(flag));
      r.added_columns.push_back(options.flag_column);
    }
  } else if (options.action == OutlierAction::Drop) {
    std::vector<int64_t> keep;
    for (size_t i = 0; i < flags.size(); ++i) {
      if (flags[i]) {
        r.removed_rows.push_back(static_cast<int64_t>(i));
      } else {
        keep.push_back(static_cast<int64_t>(i));
      }
    }
    if (!r.removed_rows.empty()) table = table.take(keep);
  }
  r.rows_after = table.num_rows();
  r.columns_after = table.num_columns();
  return r;
}

}  // namespace strata::data::table
