#include "strata/data/table/missing.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "data/table/table_util.h"
#include "strata/core/error.h"

namespace strata::data::table {
namespace {

bool is_int_or_float(const Column& c) { return c.type() == ColumnType::Int || c.type() == ColumnType::Float; }

std::string fmt_value(const Column& c, double v) {
  if (c.type() == ColumnType::Bool) return v != 0 ? "true" : "false";
  return detail::format_double(v);
}

// Writes fills[i] (NaN: leave) into the missing cells of a numeric column; an int column becomes float when
// a fill value is not integral. Returns the number of cells filled.
int64_t apply_numeric_fills(Table& table, Column& c, const std::vector<double>& fills, StepReport& r) {
  bool integral = true;
  for (double v : fills) {
    if (!std::isnan(v) && v != std::trunc(v)) integral = false;
  }
  if (c.type() == ColumnType::Int && !integral) {
    r.notes.push_back(
        fmt::format("column '{}' became float: its fill values are not whole numbers", c.name()));
    table.replace_column(c.name(), c.cast(ColumnType::Float));
  }
  Column& target = table.column(c.name());
  int64_t n = 0;
  for (size_t i = 0; i < fills.size(); ++i) {
    if (std::isnan(fills[i]) || !target.is_missing(static_cast<int64_t>(i))) continue;
    target.set_number(static_cast<int64_t>(i), fills[i]);
    ++n;
  }
  return n;
}

// The most frequent present value (ties: the smallest), as a row index holding it; -1 when none.
int64_t mode_row(const Column& c) {
  if (c.type() == ColumnType::String || c.type() == ColumnType::Category) {
    std::map<std::string, std::pair<int64_t, int64_t>> counts;  // ordered: ties go to the smallest
    for (int64_t i = 0; i < c.size(); ++i) {
      if (c.is_missing(i)) continue;
      auto [it, inserted] = counts.try_emplace(c.str(i), 0, i);
      ++it->second.first;
    }
    int64_t best = -1, best_count = 0;
    for (const auto& [value, cr] : counts) {
      if (cr.first > best_count) best_count = cr.first, best = cr.second;
    }
    return best;
  }
  std::map<double, std::pair<int64_t, int64_t>> counts;
  for (int64_t i = 0; i < c.size(); ++i) {
    if (c.is_missing(i)) continue;
    auto [it, inserted] = counts.try_emplace(c.number(i), 0, i);
    ++it->second.first;
  }
  int64_t best = -1, best_count = 0;
  for (const auto& [value, cr] : counts) {
    if (cr.first > best_count) best_count = cr.first, best = cr.second;
  }
  return best;
}

// Linear interpolation over row positions, as pandas' Series.interpolate() (limit_direction="forward").
std::vector<double> interpolate(const std::vector<double>& v) {
  std::vector<double> out(v.size(), std::nan(""));
  int64_t prev = -1;
  const auto n = static_cast<int64_t>(v.size());
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isnan(v[static_cast<size_t>(i)])) {
      if (prev >= 0) {
        const double a = v[static_cast<size_t>(prev)], b = v[static_cast<size_t>(i)];
        for (int64_t j = prev + 1; j < i; ++j) {
          out[static_cast<size_t>(j)] =
              a + (b - a) * static_cast<double>(j - prev) / static_cast<double>(i - prev);
        }
      }
      prev = i;
    }
  }
  for (int64_t j = prev + 1; prev >= 0 && j < n; ++j)
    out[static_cast<size_t>(j)] = v[static_cast<size_t>(prev)];
  return out;
}

// k-NN imputation of the `targets` columns; features are every int/float column, standardised.
std::map<std::string, std::vector<double>> knn_fills(const Table& table,
                                                     const std::vector<std::string>& targets, int k,
                                                     StepReport& r) {
  std::vector<const Column*> features;
  for (const auto& c : table.columns()) {
    if (is_int_or_float(c)) features.push_back(&c);
  }
  const int64_t n = table.num_rows();
  const auto d = static_cast<int64_t>(features.size());
  // Row-major standardised features (NaN where missing).
  std::vector<double> z(static_cast<size_t>(n * d));
  for (int64_t f = 0; f < d; ++f) {
    const std::vector<double> present = detail::present_values(*features[static_cast<size_t>(f)]);
    const double mu = present.empty() ? 0.0 : detail::mean(present);
    double sd = present.empty() ? 1.0 : detail::stddev(present, 0);
    if (!(sd > 0)) sd = 1.0;
    for (int64_t i = 0; i < n; ++i)
      z[static_cast<size_t>(i * d + f)] = (features[static_cast<size_t>(f)]->number(i) - mu) / sd;
  }
  std::vector<const Column*> target_cols;
  std::vector<double> target_means;
  for (const auto& name : targets) {
    target_cols.push_back(&table.column(name));
    target_means.push_back(detail::mean(detail::present_values(table.column(name))));
  }
  std::vector<int64_t> receivers;
  for (int64_t i = 0; i < n; ++i) {
    for (const Column* c : target_cols) {
      if (c->is_missing(i)) {
        receivers.push_back(i);
        break;
      }
    }
  }
  std::map<std::string, std::vector<double>> fills;
  for (const auto& name : targets) fills[name].assign(static_cast<size_t>(n), std::nan(""));
  std::vector<std::vector<double>*> fill_ptrs;
  for (const auto& name : targets) fill_ptrs.push_back(&fills[name]);
  int64_t no_donor = 0, mean_fallback = 0;
  const auto nr = static_cast<int64_t>(receivers.size());
  const bool parallel = nr * n * d > (1 << 16);
#pragma omp parallel if (parallel) reduction(+ : no_donor, mean_fallback)
  {
    std::vector<double> dist(static_cast<size_t>(n));
    std::vector<int64_t> donors;
#pragma omp for schedule(dynamic, 4)
    for (int64_t ri = 0; ri < nr; ++ri) {
      const int64_t row = receivers[static_cast<size_t>(ri)];
      const double* zr = &z[static_cast<size_t>(row * d)];
      for (int64_t j = 0; j < n; ++j) {
        const double* zj = &z[static_cast<size_t>(j * d)];
        double s = 0;
        int64_t present = 0;
        for (int64_t f = 0; f < d; ++f) {
          const double diff = zr[f] - zj[f];
          if (!std::isnan(diff)) {
            s += diff * diff;
            ++present;
          }
        }
        // nan_euclidean: scale the partial sum up to all coordinates; no common coordinate = unknown.
        dist[static_cast<size_t>(j)] =
            present == 0 ? std::numeric_limits<double>::infinity()
                         : std::sqrt(static_cast<double>(d) / static_cast<double>(present) * s);
      }
      for (size_t t = 0; t < target_cols.size(); ++t) {
        const Column& c = *target_cols[t];
        if (!c.is_missing(row)) continue;
        donors.clear();
        bool any_finite = false;
        for (int64_t j = 0; j < n; ++j) {
          if (c.is_missing(j)) continue;
          donors.push_back(j);
          any_finite |= std::isfinite(dist[static_cast<size_t>(j)]);
        }
        if (donors.empty()) {
          ++no_donor;
          continue;
        }
        if (!any_finite) {
          (*fill_ptrs[t])[static_cast<size_t>(row)] = target_means[t];
          ++mean_fallback;
          continue;
        }
        const auto kk = std::min<size_t>(static_cast<size_t>(k), donors.size());
        const auto closer = [&](int64_t a, int64_t b) {
          const double da = dist[static_cast<size_t>(a)], db = dist[static_cast<size_t>(b)];
          return da < db || (da == db && a < b);
        };
        std::nth_element(donors.begin(), donors.begin() + static_cast<std::ptrdiff_t>(kk) - 1, donors.end(),
                         closer);
        double sum = 0;
        for (size_t q = 0; q < kk; ++q) sum += c.number(donors[q]);
        (*fill_ptrs[t])[static_cast<size_t>(row)] = sum / static_cast<double>(kk);
      }
    }
  }
  if (no_donor > 0)
    r.notes.push_back(fmt::format("{} cells stayed missing: their column has no values", no_donor));
  if (mean_fallback > 0) {
    r.notes.push_back(fmt::format("{} cells got the column mean: their row shares no feature with any donor",
                                  mean_fallback));
  }
  return fills;
}

}  // namespace

FillStrategy parse_fill_strategy(std::string_view name) {
  const std::string n = detail::lower(name);
  if (n == "mean") return FillStrategy::Mean;
  if (n == "median") return FillStrategy::Median;
  if (n == "mode" || n == "most_frequent") return FillStrategy::Mode;
  if (n == "constant") return FillStrategy::Constant;
  if (n == "ffill" || n == "forward" || n == "pad") return FillStrategy::Forward;
  if (n == "bfill" || n == "backward") return FillStrategy::Backward;
  if (n == "interpolate" || n == "linear") return FillStrategy::Interpolate;
  if (n == "knn") return FillStrategy::Knn;
  STRATA_FAIL(
      "parse_fill_strategy: unknown strategy '{}' (expected mean, median, mode, constant, ffill, bfill, "
      "interpolate or knn)",
      name);
}

std::string_view to_string(FillStrategy strategy) {
  switch (strategy) {
    case FillStrategy::Mean:
      return "mean";
    case FillStrategy::Median:
      return "median";
    case FillStrategy::Mode:
      return "mode";
    case FillStrategy::Constant:
      return "constant";
    case FillStrategy::Forward:
      return "ffill";
    case FillStrategy::Backward:
      return "bfill";
    case FillStrategy::Interpolate:
      return "interpolate";
    case FillStrategy::Knn:
      return "knn";
  }
  return "?";
}

StepReport drop_missing(Table& table, const DropMissingOptions& options) {
  STRATA_CHECK(options.threshold >= 0.0 && options.threshold <= 1.0,
               "drop_missing: threshold {} is outside [0, 1] (the missing fraction above which to drop)",
               options.threshold);
  StepReport r;
  r.step = "drop_missing";
  r.rows_before = table.num_rows();
  r.columns_before = table.num_columns();
  std::vector<std::string> subset = options.subset.empty() ? table.column_names() : options.subset;
  for (const auto& name : subset) {
    STRATA_CHECK(table.has_column(name), "drop_missing: no column '{}' (columns: {})", name,
                 fmt::join(table.column_names(), ", "));
  }
  const std::string rule = options.threshold == 0.0
                               ? std::string("any missing value")
                               : fmt::format("more than {:g}% missing", options.threshold * 100);
  if (options.axis == Axis::Rows) {
    r.description = fmt::format(
        "Dropped rows with {} (over {}).", rule,
        options.subset.empty() ? std::string("all columns") : fmt::format("{}", fmt::join(subset, ", ")));
    std::vector<const Column*> cols;
    for (const auto& name : subset) cols.push_back(&table.column(name));
    std::vector<int64_t> keep;
    std::vector<int64_t> per_column(cols.size(), 0);
    for (int64_t i = 0; i < table.num_rows(); ++i) {
      int64_t missing = 0;
      for (const Column* c : cols) missing += c->is_missing(i);
      const double frac =
          cols.empty() ? 0.0 : static_cast<double>(missing) / static_cast<double>(cols.size());
      if (missing > 0 && frac > options.threshold) {
        r.removed_rows.push_back(i);
        for (size_t j = 0; j < cols.size(); ++j) per_column[j] += cols[j]->is_missing(i);
      } else {
        keep.push_back(i);
      }
    }
    for (size_t j = 0; j < cols.size(); ++j) {
      if (per_column[j] > 0) {
        r.changes.push_back(
            {cols[j]->name(), "dropped rows", per_column[j], "rows missing this value (among others)"});
      }
    }
    if (!r.removed_rows.empty()) table = table.take(keep);
  } else {
    r.description = fmt::format("Dropped columns with {}.", rule);
    for (const auto& name : subset) {
      const Column& c = table.column(name);
      const int64_t missing = c.missing_count();
      const double frac =
          table.num_rows() == 0 ? 0.0 : static_cast<double>(missing) / static_cast<double>(table.num_rows());
      if (missing > 0 && frac > options.threshold) {
        r.removed_columns.push_back(name);
        r.changes.push_back({name, "dropped column", missing, fmt::format("{:.1f}% missing", frac * 100)});
      }
    }
    for (const auto& name : r.removed_columns) table.drop_column(name);
  }
  r.rows_after = table.num_rows();
  r.columns_after = table.num_columns();
  return r;
}

StepReport add_missing_indicators(Table& table, const std::vector<std::string>& columns) {
  StepReport r;
  r.step = "add_missing_indicators";
  r.description = "Added a bool column per column with gaps, true where the value is missing.";
  r.rows_before = r.rows_after = table.num_rows();
  r.columns_before = table.num_columns();
  std::vector<std::string> names;
  if (columns.empty()) {
    for (const auto& c : table.columns()) {
      if (c.missing_count() > 0) names.push_back(c.name());
    }
  } else {
    for (const auto& name : columns) {
      STRATA_CHECK(table.has_column(name), "add_missing_indicators: no column '{}' (columns: {})", name,
                   fmt::join(table.column_names(), ", "));
      names.push_back(name);
    }
  }
  for (const auto& name : names) {
    const Column& c = table.column(name);
    std::vector<bool> flags(static_cast<size_t>(c.size()));
    for (int64_t i = 0; i < c.size(); ++i) flags[static_cast<size_t>(i)] = c.is_missing(i);
    const std::string flag_name = name + "_missing";
    const int64_t count = c.missing_count();
    table.insert_column(table.column_index(name) + 1, Column::from_bools(flag_name, flags));
    r.added_columns.push_back(flag_name);
    r.changes.push_back({flag_name, "indicator", count, fmt::format("true where '{}' is missing", name)});
  }
  r.columns_after = table.num_columns();
  return r;
}

StepReport fill_missing(Table& table, const FillOptions& options) {
  const FillStrategy s = options.strategy;
  StepReport r;
  r.step = fmt::format("fill_missing ({})", to_string(s));
  r.rows_before = r.rows_after = table.num_rows();
  r.columns_before = r.columns_after = table.num_columns();
  const bool numeric_only = s == FillStrategy::Mean || s == FillStrategy::Median ||
                            s == FillStrategy::Interpolate || s == FillStrategy::Knn;
  STRATA_CHECK(s != FillStrategy::Knn || options.knn_neighbors >= 1,
               "fill_missing: knn_neighbors must be at least 1, got {}", options.knn_neighbors);
  std::vector<std::string> targets;
  if (options.columns.empty()) {
    for (const auto& c : table.columns()) {
      if (c.missing_count() > 0 && (!numeric_only || is_int_or_float(c))) targets.push_back(c.name());
    }
  } else {
    for (const auto& name : options.columns) {
      STRATA_CHECK(table.has_column(name), "fill_missing: no column '{}' (columns: {})", name,
                   fmt::join(table.column_names(), ", "));
      const Column& c = table.column(name);
      STRATA_CHECK(!numeric_only || is_int_or_float(c),
                   "fill_missing: strategy {} needs int or float columns, but column '{}' is {}",
                   to_string(s), name, to_string(c.type()));
      targets.push_back(name);
    }
  }
  r.description =
      fmt::format("Filled missing values by {}{}.", to_string(s),
                  s == FillStrategy::Knn ? fmt::format(" (k = {})", options.knn_neighbors) : std::string());

  if (options.add_indicator && !targets.empty()) {
    std::vector<std::string> gappy;
    for (const auto& name : targets) {
      if (table.column(name).missing_count() > 0) gappy.push_back(name);
    }
    if (!gappy.empty()) {
      StepReport ind = add_missing_indicators(table, gappy);
      r.added_columns = ind.added_columns;
      r.changes = ind.changes;
      r.columns_after = table.num_columns();
    }
  }

  std::map<std::string, std::vector<double>> knn;
  if (s == FillStrategy::Knn && !targets.empty()) knn = knn_fills(table, targets, options.knn_neighbors, r);

  for (const auto& name : targets) {
    const Column c = table.column(name);  // a copy: filling may replace the column
    const int64_t missing = c.missing_count();
    if (missing == 0) continue;
    const int64_t n = c.size();
    std::string how;
    int64_t filled = 0;
    switch (s) {
      case FillStrategy::Mean:
      case FillStrategy::Median: {
        std::vector<double> present = detail::present_values(c);
        if (present.empty()) break;
        const double v =
            s == FillStrategy::Mean ? detail::mean(present) : detail::quantile(std::move(present), 0.5);
        filled =
            apply_numeric_fills(table, table.column(name), std::vector<double>(static_cast<size_t>(n), v), r);
        how = fmt::format("{} {}", to_string(s), detail::format_double(v));
        break;
      }
      case FillStrategy::Mode: {
        const int64_t src = mode_row(c);
        if (src < 0) break;
        Column& target = table.column(name);
        for (int64_t i = 0; i < n; ++i) {
          if (c.is_missing(i)) target.set_from(i, c, src), ++filled;
        }
        how = fmt::format("mode '{}'", c.text(src));
        break;
      }
      case FillStrategy::Constant: {
        Column& target = table.column(name);
        if (c.type() == ColumnType::String || c.type() == ColumnType::Category) {
          for (int64_t i = 0; i < n; ++i) {
            if (c.is_missing(i)) target.set_str(i, options.text), ++filled;
          }
          how = fmt::format("constant '{}'", options.text);
        } else {
          filled = apply_numeric_fills(table, target,
                                       std::vector<double>(static_cast<size_t>(n), options.value), r);
          how = fmt::format("constant {}", fmt_value(c, options.value));
        }
        break;
      }
      case FillStrategy::Forward:
      case FillStrategy::Backward: {
        Column& target = table.column(name);
        const bool fwd = s == FillStrategy::Forward;
        int64_t src = -1;
        for (int64_t k = 0; k < n; ++k) {
          const int64_t i = fwd ? k : n - 1 - k;
          if (!c.is_missing(i)) {
            src = i;
          } else if (src >= 0) {
            target.set_from(i, c, src);
            ++filled;
          }
        }
        how = fwd ? "previous present value" : "next present value";
        break;
      }
      case FillStrategy::Interpolate: {
        filled = apply_numeric_fills(table, table.column(name), interpolate(c.to_doubles()), r);
        how = "linear in row position";
        break;
      }
      case FillStrategy::Knn: {
        filled = apply_numeric_fills(table, table.column(name), knn[name], r);
        how = fmt::format("mean of {} nearest rows", options.knn_neighbors);
        break;
      }
    }
    if (filled > 0) r.changes.push_back({name, "filled", filled, how});
    if (filled < missing) {
      r.notes.push_back(
          fmt::format("column '{}': {} of {} missing values stay missing (no value to fill from)", name,
                      missing - filled, missing));
    }
  }
  return r;
}

}  // namespace strata::data::table
