#include "strata/data/table/synthetic.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/table/table_util.h"
#include "strata/core/error.h"
#include "strata/data/table/split.h"

namespace strata::data::table {

StepReport smote(Table& table, const SmoteOptions& options) {
  STRATA_CHECK(!options.target.empty(), "smote: no target column given");
  STRATA_CHECK(table.has_column(options.target), "smote: no target column '{}' (columns: {})", options.target,
               fmt::join(table.column_names(), ", "));
  STRATA_CHECK(options.k >= 1, "smote: k must be at least 1, got {}", options.k);
  const Column& target = table.column(options.target);
  STRATA_CHECK(target.missing_count() == 0, "smote: the target column '{}' has {} missing values",
               options.target, target.missing_count());
  std::vector<std::string> features = options.features;
  if (features.empty()) {
    for (const auto& c : table.columns()) {
      if (c.is_numeric() && c.name() != options.target) features.push_back(c.name());
    }
  }
  STRATA_CHECK(!features.empty(), "smote: no numeric feature columns to interpolate");
  std::vector<const Column*> fcols;
  for (const auto& name : features) {
    STRATA_CHECK(table.has_column(name), "smote: no column '{}'", name);
    const Column& c = table.column(name);
    STRATA_CHECK(c.is_numeric(), "smote: feature '{}' is {}; SMOTE interpolates int, float and bool columns",
                 name, to_string(c.type()));
    STRATA_CHECK(c.missing_count() == 0, "smote: feature '{}' has {} missing values; impute them first", name,
                 c.missing_count());
    fcols.push_back(&c);
  }
  const int64_t n = table.num_rows();
  const auto d = static_cast<int64_t>(fcols.size());
  std::vector<double> x(static_cast<size_t>(n * d));
  for (int64_t f = 0; f < d; ++f) {
    for (int64_t i = 0; i < n; ++i)
      x[static_cast<size_t>(i * d + f)] = fcols[static_cast<size_t>(f)]->number(i);
  }

  // Classes in first-appearance order with their rows.
  const std::vector<int64_t> ids = class_ids(target);
  std::vector<std::vector<int64_t>> members;
  std::vector<std::string> names;
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<size_t>(ids[static_cast<size_t>(i)]);
    if (c >= members.size()) {
      members.resize(c + 1);
      names.push_back(target.text(i));
    }
    members[c].push_back(i);
  }
  size_t largest = 0;
  for (const auto& m : members) largest = std::max(largest, m.size());
  std::vector<int64_t> wanted(members.size());
  for (size_t c = 0; c < members.size(); ++c)
    wanted[c] = options.counts.empty() ? static_cast<int64_t>(largest) : 0;
  for (const auto& [name, count] : options.counts) {
    auto it = std::find(names.begin(), names.end(), name);
    STRATA_CHECK(it != names.end(), "smote: class '{}' does not occur in '{}' (classes: {})", name,
                 options.target, fmt::join(names, ", "));
    wanted[static_cast<size_t>(it - names.begin())] = count;
  }

  StepReport r;
  r.step = "smote";
  r.description = fmt::format("SMOTE on '{}' with k = {} (seed {}) over {} features.", options.target,
                              options.k, options.seed, d);
  r.rows_before = n;
  r.columns_before = r.columns_after = table.num_columns();
  std::mt19937_64 engine(data::detail::mix64(options.seed));
  Table synthetic = table.take({});
  std::vector<int64_t> neighbours, base_rows, other_rows;
  std::vector<double> gaps;
  for (size_t c = 0; c < members.size(); ++c) {
    const auto& m = members[c];
    const int64_t need = wanted[c] - static_cast<int64_t>(m.size());
    if (need <= 0) continue;
    STRATA_CHECK(m.size() >= 2, "smote: class '{}' has {} row; SMOTE needs at least 2 to interpolate",
                 names[c], m.size());
    const auto size = static_cast<int64_t>(m.size());
    const int64_t k = std::min<int64_t>(options.k, size - 1);
    // k nearest same-class neighbours of every member (brute force; ties by row order).
    neighbours.assign(static_cast<size_t>(size * k), 0);
#pragma omp parallel for if (size * size * d > (1 << 18))
    for (int64_t a = 0; a < size; ++a) {
      std::vector<std::pair<double, int64_t>> dist;
      dist.reserve(static_cast<size_t>(size - 1));
      const double* xa = &x[static_cast<size_t>(m[static_cast<size_t>(a)] * d)];
      for (int64_t b = 0; b < size; ++b) {
        if (b == a) continue;
        const double* xb = &x[static_cast<size_t>(m[static_cast<size_t>(b)] * d)];
        double s = 0;
        for (int64_t f = 0; f < d; ++f) s += (xa[f] - xb[f]) * (xa[f] - xb[f]);
        dist.emplace_back(s, b);
      }
      std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
      for (int64_t q = 0; q < k; ++q)
        neighbours[static_cast<size_t>(a * k + q)] = dist[static_cast<size_t>(q)].second;
    }
    base_rows.clear();
    other_rows.clear();
    gaps.clear();
    for (int64_t s = 0; s < need; ++s) {
      const int64_t a = detail::randint(engine, size);
      const int64_t b = neighbours[static_cast<size_t>(a * k + detail::randint(engine, k))];
      base_rows.push_back(m[static_cast<size_t>(a)]);
      other_rows.push_back(m[static_cast<size_t>(b)]);
      gaps.push_back(detail::uniform(engine));
    }
    // Start from the nearer endpoint's row (every column), then interpolate the features.
    std::vector<int64_t> nearer(base_rows.size());
    for (size_t s = 0; s < base_rows.size(); ++s) nearer[s] = gaps[s] < 0.5 ? base_rows[s] : other_rows[s];
    Table rows = table.take(nearer);
    for (int64_t f = 0; f < d; ++f) {
      Column& col = rows.column(features[static_cast<size_t>(f)]);
      if (col.type() == ColumnType::Bool) continue;
      for (size_t s = 0; s < base_rows.size(); ++s) {
        const double xa = x[static_cast<size_t>(base_rows[s] * d + f)],
                     xb = x[static_cast<size_t>(other_rows[s] * d + f)];
        double v = xa + gaps[s] * (xb - xa);
        if (col.type() == ColumnType::Int) v = std::round(v);
        col.set_number(static_cast<int64_t>(s), v);
      }
    }
    synthetic.append_rows(rows);
    r.changes.push_back({options.target, "synthesised rows", need,
                         fmt::format("class '{}': {} -> {} rows", names[c], m.size(), wanted[c])});
  }
  if (synthetic.num_rows() > 0) table.append_rows(synthetic);
  r.rows_after = table.num_rows();
  if (r.changes.empty()) r.notes.push_back("no class needed more rows");
  return r;
}

StepReport jitter(Table& table, const JitterOptions& options) {
  STRATA_CHECK(options.sigma >= 0, "jitter: sigma must be >= 0, got {}", options.sigma);
  STRATA_CHECK(options.copies >= 1, "jitter: copies must be at least 1, got {}", options.copies);
  std::vector<std::string> cols =
      options.columns.empty() ? table.columns_of_type({ColumnType::Float}) : options.columns;
  for (const auto& name : cols) {
    STRATA_CHECK(table.has_column(name), "jitter: no column '{}' (columns: {})", name,
                 fmt::join(table.column_names(), ", "));
    STRATA_CHECK(table.column(name).type() == ColumnType::Float,
                 "jitter: column '{}' is {}; jitter perturbs float columns", name,
                 to_string(table.column(name).type()));
  }
  StepReport r;
  r.step = "jitter";
  r.description = fmt::format(
      "Appended {} noisy cop{} of every row: Gaussian noise with std {} x the column std (seed {}).",
      options.copies, options.copies == 1 ? "y" : "ies", options.sigma, options.seed);
  r.rows_before = table.num_rows();
  r.columns_before = r.columns_after = table.num_columns();
  std::vector<double> scale;
  for (const auto& name : cols) {
    const double sd = detail::stddev(detail::present_values(table.column(name)), 0);
    scale.push_back(std::isnan(sd) ? 0.0 : options.sigma * sd);
  }
  std::mt19937_64 engine(data::detail::mix64(options.seed));
  const Table original = table;
  for (int copy = 0; copy < options.copies; ++copy) {
    Table rows = original;
    for (size_t j = 0; j < cols.size(); ++j) {
      Column& c = rows.column(cols[j]);
      for (int64_t i = 0; i < c.size(); ++i) {
        const double noise = detail::normal(engine);  // drawn for every cell so streams do not depend on gaps
        if (!c.is_missing(i)) c.set_number(i, c.number(i) + scale[j] * noise);
      }
    }
    table.append_rows(rows);
  }
  for (size_t j = 0; j < cols.size(); ++j) {
    const int64_t present = original.num_rows() - original.column(cols[j]).missing_count();
    r.changes.push_back(
        {cols[j], "jittered copies", present * options.copies, fmt::format("noise std {:.6g}", scale[j])});
  }
  r.rows_after = table.num_rows();
  return r;
}

}  // namespace strata::data::table
