#include "strata/data/table/duplicates.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "strata/core/error.h"

namespace strata::data::table {
namespace {

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); }

// Hash of one cell; missing hashes alike, -0.0 like 0.0 (they compare equal).
uint64_t cell_hash(const Column& c, int64_t row) {
  if (c.is_missing(row)) return 0x51ed270b27b5a5a3ull;
  switch (c.type()) {
    case ColumnType::Float: {
      double v = c.float_values()[static_cast<size_t>(row)];
      if (v == 0.0) v = 0.0;
      return std::bit_cast<uint64_t>(v);
    }
    case ColumnType::String:
      return std::hash<std::string>{}(c.string_values()[static_cast<size_t>(row)]);
    default:
      return static_cast<uint64_t>(c.int_values()[static_cast<size_t>(row)]) * 0xbf58476d1ce4e5b9ull + 1;
  }
}

std::vector<const Column*> key_columns(const Table& table, const std::vector<std::string>& subset,
                                       const char* what) {
  std::vector<const Column*> cols;
  if (subset.empty()) {
    for (const auto& c : table.columns()) cols.push_back(&c);
  } else {
    for (const auto& name : subset) {
      STRATA_CHECK(table.has_column(name), "{}: no column '{}' (columns: {})", what, name,
                   fmt::join(table.column_names(), ", "));
      cols.push_back(&table.column(name));
    }
  }
  return cols;
}

// group[i]: the first row equal to row i (on the key columns).
std::vector<int64_t> first_equal_row(const Table& table, const std::vector<const Column*>& cols) {
  const int64_t n = table.num_rows();
  std::vector<uint64_t> hashes(static_cast<size_t>(n), 0x84222325cbf29ce4ull);
  for (const Column* c : cols) {
    for (int64_t i = 0; i < n; ++i)
      hashes[static_cast<size_t>(i)] = mix(hashes[static_cast<size_t>(i)], cell_hash(*c, i));
  }
  std::unordered_multimap<uint64_t, int64_t> seen;
  seen.reserve(static_cast<size_t>(n));
  std::vector<int64_t> group(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t found = -1;
    auto [lo, hi] = seen.equal_range(hashes[static_cast<size_t>(i)]);
    for (auto it = lo; it != hi && found < 0; ++it) {
      bool equal = true;
      for (const Column* c : cols) {
        if (!c->cell_equal(it->second, i)) {
          equal = false;
          break;
        }
      }
      if (equal) found = it->second;
    }
    if (found < 0) {
      seen.emplace(hashes[static_cast<size_t>(i)], i);
      found = i;
    }
    group[static_cast<size_t>(i)] = found;
  }
  return group;
}

}  // namespace

std::vector<uint8_t> duplicated(const Table& table, const DuplicateOptions& options) {
  const auto cols = key_columns(table, options.subset, "duplicated");
  const std::vector<int64_t> group = first_equal_row(table, cols);
  const auto n = group.size();
  std::vector<int64_t> size(n, 0), last(n, -1);
  for (size_t i = 0; i < n; ++i) {
    ++size[static_cast<size_t>(group[i])];
    last[static_cast<size_t>(group[i])] = static_cast<int64_t>(i);
  }
  std::vector<uint8_t> out(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const auto g = static_cast<size_t>(group[i]);
    switch (options.keep) {
      case Keep::First:
        out[i] = group[i] != static_cast<int64_t>(i);
        break;
      case Keep::Last:
        out[i] = last[g] != static_cast<int64_t>(i);
        break;
      case Keep::None:
        out[i] = size[g] > 1;
        break;
    }
  }
  return out;
}

StepReport drop_duplicates(Table& table, const DuplicateOptions& options) {
  StepReport r;
  r.step = "drop_duplicates";
  r.description =
      fmt::format("Removed exact duplicate rows (equal on {}; kept the {} copy).",
                  options.subset.empty() ? std::string("all columns")
                                         : fmt::format("columns {}", fmt::join(options.subset, ", ")),
                  options.keep == Keep::First  ? "first"
                  : options.keep == Keep::Last ? "last"
                                               : "no");
  r.rows_before = table.num_rows();
  r.columns_before = r.columns_after = table.num_columns();
  const std::vector<uint8_t> dup = duplicated(table, options);
  std::vector<int64_t> keep;
  for (size_t i = 0; i < dup.size(); ++i) {
    if (dup[i]) {
      r.removed_rows.push_back(static_cast<int64_t>(i));
    } else {
      keep.push_back(static_cast<int64_t>(i));
    }
  }
  if (!r.removed_rows.empty()) {
    r.changes.push_back(
        {options.subset.empty() ? "(all)" : fmt::format("{}", fmt::join(options.subset, ", ")),
         "dropped rows", static_cast<int64_t>(r.removed_rows.size()), "exact duplicate of another row"});
    table = table.take(keep);
  }
  r.rows_after = table.num_rows();
  return r;
}

}  // namespace strata::data::table
