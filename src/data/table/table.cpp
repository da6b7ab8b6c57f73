#include "strata/data/table/table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <unordered_map>

#include "data/table/table_util.h"
#include "strata/core/error.h"

namespace strata::data::table {

namespace detail {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

}  // namespace detail

namespace {

std::vector<uint8_t> make_mask(const char* what, const std::string& name, std::vector<uint8_t> missing,
                               size_t n) {
  if (missing.empty()) return std::vector<uint8_t>(n, 0);
  STRATA_CHECK(missing.size() == n, "{}: column '{}' has {} values but a missing mask of {} entries", what,
               name, n, missing.size());
  for (auto& m : missing) m = m != 0;
  return missing;
}

}  // namespace

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::Int:
      return "int";
    case ColumnType::Float:
      return "float";
    case ColumnType::Bool:
      return "bool";
    case ColumnType::Category:
      return "category";
    case ColumnType::String:
      return "string";
  }
  return "?";
}

ColumnType parse_column_type(std::string_view name) {
  const std::string n = detail::lower(name);
  if (n == "int" || n == "integer" || n == "int64") return ColumnType::Int;
  if (n == "float" || n == "double" || n == "real" || n == "numeric" || n == "float64")
    return ColumnType::Float;
  if (n == "bool" || n == "boolean") return ColumnType::Bool;
  if (n == "category" || n == "categorical" || n == "nominal") return ColumnType::Category;
  if (n == "string" || n == "str" || n == "text") return ColumnType::String;
  STRATA_FAIL("parse_column_type: unknown column type '{}' (expected int, float, bool, category or string)",
              name);
}

// ---- Column factories -----------------------------------------------------------------------------

Column Column::from_ints(std::string name, std::vector<int64_t> values, std::vector<uint8_t> missing) {
  Column c;
  c.missing_ = make_mask("Column::from_ints", name, std::move(missing), values.size());
  c.name_ = std::move(name);
  c.type_ = ColumnType::Int;
  c.ints_ = std::move(values);
  for (size_t i = 0; i < c.ints_.size(); ++i) {
    if (c.missing_[i]) c.ints_[i] = 0;
  }
  return c;
}

Column Column::from_floats(std::string name, std::vector<double> values, std::vector<uint8_t> missing) {
  Column c;
  c.missing_ = make_mask("Column::from_floats", name, std::move(missing), values.size());
  c.name_ = std::move(name);
  c.type_ = ColumnType::Float;
  c.floats_ = std::move(values);
  for (size_t i = 0; i < c.floats_.size(); ++i) {
    if (std::isnan(c.floats_[i])) c.missing_[i] = 1;
    if (c.missing_[i]) c.floats_[i] = std::nan("");
  }
  return c;
}

Column Column::from_bools(std::string name, const std::vector<bool>& values, std::vector<uint8_t> missing) {
  Column c;
  c.missing_ = make_mask("Column::from_bools", name, std::move(missing), values.size());
  c.name_ = std::move(name);
  c.type_ = ColumnType::Bool;
  c.ints_.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) c.ints_[i] = (values[i] && !c.missing_[i]) ? 1 : 0;
  return c;
}

Column Column::from_categories(std::string name, const std::vector<std::string>& values,
                               std::vector<uint8_t> missing, std::vector<std::string> levels) {
  std::vector<uint8_t> mask = make_mask("Column::from_categories", name, std::move(missing), values.size());
  if (levels.empty()) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (!mask[i]) levels.push_back(values[i]);
    }
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  }
  std::unordered_map<std::string, int64_t> index;
  for (size_t k = 0; k < levels.size(); ++k) {
    STRATA_CHECK(index.emplace(levels[k], static_cast<int64_t>(k)).second,
                 "Column::from_categories: column '{}' lists the level '{}' twice", name, levels[k]);
  }
  std::vector<int64_t> codes(values.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    if (mask[i]) continue;
    auto it = index.find(values[i]);
    STRATA_CHECK(it != index.end(),
                 "Column::from_categories: column '{}' row {}: '{}' is not one of the levels [{}]", name, i,
                 values[i], fmt::join(levels, ", "));
    codes[i] = it->second;
  }
  return from_codes(std::move(name), std::move(codes), std::move(levels), std::move(mask));
}

Column Column::from_codes(std::string name, std::vector<int64_t> codes, std::vector<std::string> levels,
                          std::vector<uint8_t> missing) {
  Column c;
  c.missing_ = make_mask("Column::from_codes", name, std::move(missing), codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    if (c.missing_[i]) {
      codes[i] = 0;
      continue;
    }
    STRATA_CHECK(codes[i] >= 0 && codes[i] < static_cast<int64_t>(levels.size()),
                 "Column::from_codes: column '{}' row {}: code {} is out of range for {} levels", name, i,
                 codes[i], levels.size());
  }
  c.name_ = std::move(name);
  c.type_ = ColumnType::Category;
  c.ints_ = std::move(codes);
  c.levels_ = std::move(levels);
  return c;
}

Column Column::from_strings(std::string name, std::vector<std::string> values, std::vector<uint8_t> missing) {
  Column c;
  c.missing_ = make_mask("Column::from_strings", name, std::move(missing), values.size());
  c.name_ = std::move(name);
  c.type_ = ColumnType::String;
  c.strings_ = std::move(values);
  for (size_t i = 0; i < c.strings_.size(); ++i) {
    if (c.missing_[i]) c.strings_[i].clear();
  }
  return c;
}

Column Column::all_missing(std::string name, ColumnType type, int64_t n) {
  const auto size = static_cast<size_t>(n);
  std::vector<uint8_t> mask(size, 1);
  switch (type) {
    case ColumnType::Int:
      return from_ints(std::move(name), std::vector<int64_t>(size), std::move(mask));
    case ColumnType::Float:
      return from_floats(std::move(name), std::vector<double>(size), std::move(mask));
    case ColumnType::Bool:
      return from_bools(std::move(name), std::vector<bool>(size), std::move(mask));
    case ColumnType::Category:
      return from_codes(std::move(name), std::vector<int64_t>(size), {}, std::move(mask));
    case ColumnType::String:
      return from_strings(std::move(name), std::vector<std::string>(size), std::move(mask));
  }
  return {};
}

// ---- Column access --------------------------------------------------------------------------------

void Column::check_row(int64_t row, const char* what) const {
  STRATA_CHECK(row >= 0 && row < size(), "Column::{}: row {} is out of range for column '{}' of {} rows",
               what, row, name_, size());
}

int64_t Column::missing_count() const {
  int64_t n = 0;
  for (uint8_t m : missing_) n += m;
  return n;
}

int64_t Column::int_at(int64_t row) const {
  check_row(row, "int_at");
  STRATA_CHECK(type_ == ColumnType::Int || type_ == ColumnType::Bool || type_ == ColumnType::Category,
               "Column::int_at: column '{}' is of type {}, not int, bool or category", name_,
               to_string(type_));
  return ints_[static_cast<size_t>(row)];
}

double Column::number(int64_t row) const {
  const auto r = static_cast<size_t>(row);
  switch (type_) {
    case ColumnType::Float:
      return floats_[r];
    case ColumnType::Int:
    case ColumnType::Bool:
    case ColumnType::Category:
      return missing_[r] ? std::nan("") : static_cast<double>(ints_[r]);
    case ColumnType::String:
      break;
  }
  STRATA_FAIL("Column::number: column '{}' holds strings, not numbers", name_);
}

const std::string& Column::str(int64_t row) const {
  check_row(row, "str");
  if (type_ == ColumnType::String) return strings_[static_cast<size_t>(row)];
  if (type_ == ColumnType::Category) {
    static const std::string kEmpty;
    return missing_[static_cast<size_t>(row)] ? kEmpty
                                              : levels_[static_cast<size_t>(ints_[static_cast<size_t>(row)])];
  }
  STRATA_FAIL("Column::str: column '{}' is of type {}, not string or category", name_, to_string(type_));
}

std::string Column::text(int64_t row) const {
  check_row(row, "text");
  const auto r = static_cast<size_t>(row);
  if (missing_[r]) return "";
  switch (type_) {
    case ColumnType::Int:
      return fmt::format("{}", ints_[r]);
    case ColumnType::Float:
      return detail::format_double(floats_[r]);
    case ColumnType::Bool:
      return ints_[r] ? "true" : "false";
    case ColumnType::Category:
      return levels_[static_cast<size_t>(ints_[r])];
    case ColumnType::String:
      return strings_[r];
  }
  return "";
}

std::vector<double> Column::to_doubles() const {
  STRATA_CHECK(type_ != ColumnType::String, "Column::to_doubles: column '{}' holds strings, not numbers",
               name_);
  if (type_ == ColumnType::Float) return floats_;
  std::vector<double> out(ints_.size());
  for (size_t i = 0; i < ints_.size(); ++i)
    out[i] = missing_[i] ? std::nan("") : static_cast<double>(ints_[i]);
  return out;
}

int64_t Column::add_level(const std::string& level) {
  STRATA_CHECK(type_ == ColumnType::Category, "Column::add_level: column '{}' is of type {}, not category",
               name_, to_string(type_));
  const int64_t k = find_level(level);
  if (k >= 0) return k;
  levels_.push_back(level);
  return static_cast<int64_t>(levels_.size()) - 1;
}

int64_t Column::find_level(std::string_view level) const {
  for (size_t k = 0; k < levels_.size(); ++k) {
    if (levels_[k] == level) return static_cast<int64_t>(k);
  }
  return -1;
}

// ---- Column writes --------------------------------------------------------------------------------

void Column::set_missing(int64_t row) {
  check_row(row, "set_missing");
  const auto r = static_cast<size_t>(row);
  missing_[r] = 1;
  if (type_ == ColumnType::Float) {
    floats_[r] = std::nan("");
  } else if (type_ == ColumnType::String) {
    strings_[r].clear();
  } else {
    ints_[r] = 0;
  }
}

void Column::set_number(int64_t row, double value) {
  check_row(row, "set_number");
  const auto r = static_cast<size_t>(row);
  if (std::isnan(value)) {
    set_missing(row);
    return;
  }
  switch (type_) {
    case ColumnType::Float:
      floats_[r] = value;
      break;
    case ColumnType::Int:
      STRATA_CHECK(value == std::trunc(value) && std::abs(value) < 9.2e18,
                   "Column::set_number: column '{}' holds ints, cannot store {}", name_, value);
      ints_[r] = static_cast<int64_t>(value);
      break;
    case ColumnType::Bool:
      ints_[r] = value != 0.0;
      break;
    case ColumnType::Category:
      STRATA_CHECK(value == std::trunc(value) && value >= 0 && value < static_cast<double>(levels_.size()),
                   "Column::set_number: {} is not a valid code for category column '{}' of {} levels", value,
                   name_, levels_.size());
      ints_[r] = static_cast<int64_t>(value);
      break;
    case ColumnType::String:
      STRATA_FAIL("Column::set_number: column '{}' holds strings, not numbers", name_);
  }
  missing_[r] = 0;
}

void Column::set_str(int64_t row, const std::string& value) {
  check_row(row, "set_str");
  const auto r = static_cast<size_t>(row);
  if (type_ == ColumnType::String) {
    strings_[r] = value;
  } else if (type_ == ColumnType::Category) {
    ints_[r] = add_level(value);
  } else {
    STRATA_FAIL("Column::set_str: column '{}' is of type {}, not string or category", name_,
                to_string(type_));
  }
  missing_[r] = 0;
}

void Column::set_from(int64_t row, const Column& src, int64_t src_row) {
  STRATA_CHECK(src.type_ == type_, "Column::set_from: column '{}' is of type {} but the source '{}' is {}",
               name_, to_string(type_), src.name_, to_string(src.type_));
  src.check_row(src_row, "set_from");
  if (src.is_missing(src_row)) {
    set_missing(row);
  } else if (type_ == ColumnType::String || type_ == ColumnType::Category) {
    set_str(row, src.str(src_row));
  } else {
    set_number(row, src.number(src_row));
  }
}

// ---- Column whole-column operations ---------------------------------------------------------------

Column Column::take(const std::vector<int64_t>& rows) const {
  Column c;
  c.name_ = name_;
  c.type_ = type_;
  c.levels_ = levels_;
  c.missing_.resize(rows.size());
  const int64_t n = size();
  for (size_t i = 0; i < rows.size(); ++i) {
    STRATA_CHECK(rows[i] >= 0 && rows[i] < n,
                 "Column::take: row {} is out of range for column '{}' of {} rows", rows[i], name_, n);
    c.missing_[i] = missing_[static_cast<size_t>(rows[i])];
  }
  auto gather = [&](const auto& src, auto& dst) {
    dst.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) dst[i] = src[static_cast<size_t>(rows[i])];
  };
  if (type_ == ColumnType::Float) {
    gather(floats_, c.floats_);
  } else if (type_ == ColumnType::String) {
    gather(strings_, c.strings_);
  } else {
    gather(ints_, c.ints_);
  }
  return c;
}

void Column::append(const Column& other) {
  STRATA_CHECK(other.type_ == type_,
               "Column::append: column '{}' is of type {} but the rows to append are {}", name_,
               to_string(type_), to_string(other.type_));
  missing_.insert(missing_.end(), other.missing_.begin(), other.missing_.end());
  if (type_ == ColumnType::Float) {
    floats_.insert(floats_.end(), other.floats_.begin(), other.floats_.end());
  } else if (type_ == ColumnType::String) {
    strings_.insert(strings_.end(), other.strings_.begin(), other.strings_.end());
  } else if (type_ == ColumnType::Category) {
    std::vector<int64_t> remap(other.levels_.size());
    for (size_t k = 0; k < other.levels_.size(); ++k) remap[k] = add_level(other.levels_[k]);
    for (size_t i = 0; i < other.ints_.size(); ++i) {
      ints_.push_back(other.missing_[i] ? 0 : remap[static_cast<size_t>(other.ints_[i])]);
    }
  } else {
    ints_.insert(ints_.end(), other.ints_.begin(), other.ints_.end());
  }
}

Column Column::cast(ColumnType type) const {
  if (type == type_) return *this;
  const int64_t n = size();
  const auto bad = [&](int64_t row) {
    STRATA_FAIL("Column::cast: column '{}' row {}: cannot convert '{}' from {} to {}", name_, row, text(row),
                to_string(type_), to_string(type));
  };
  switch (type) {
    case ColumnType::Float: {
      if (type_ != ColumnType::String && type_ != ColumnType::Category)
        return from_floats(name_, to_doubles(), missing_);
      std::vector<double> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        if (is_missing(i)) continue;
        auto x = detail::parse_float(detail::trim(str(i)));
        if (!x) bad(i);
        v[static_cast<size_t>(i)] = *x;
      }
      return from_floats(name_, std::move(v), missing_);
    }
    case ColumnType::Int: {
      std::vector<int64_t> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        if (is_missing(i)) continue;
        if (type_ == ColumnType::Float) {
          const double x = floats_[static_cast<size_t>(i)];
          if (x != std::trunc(x) || std::abs(x) >= 9.2e18) bad(i);
          v[static_cast<size_t>(i)] = static_cast<int64_t>(x);
        } else if (type_ == ColumnType::Bool) {
          v[static_cast<size_t>(i)] = ints_[static_cast<size_t>(i)];
        } else {
          auto x = detail::parse_int(detail::trim(str(i)));
          if (!x) bad(i);
          v[static_cast<size_t>(i)] = *x;
        }
      }
      return from_ints(name_, std::move(v), missing_);
    }
    case ColumnType::Bool: {
      std::vector<bool> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        if (is_missing(i)) continue;
        if (type_ == ColumnType::String || type_ == ColumnType::Category) {
          auto x = detail::parse_bool(detail::trim(str(i)));
          if (!x) {
            auto num = detail::parse_float(detail::trim(str(i)));
            if (!num || (*num != 0.0 && *num != 1.0)) bad(i);
            x = *num != 0.0;
          }
          v[static_cast<size_t>(i)] = *x;
        } else {
          const double x = number(i);
          if (x != 0.0 && x != 1.0) bad(i);
          v[static_cast<size_t>(i)] = x != 0.0;
        }
      }
      return from_bools(name_, v, missing_);
    }
    case ColumnType::Category: {
      std::vector<std::string> text_values(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) text_values[static_cast<size_t>(i)] = text(i);
      std::vector<std::string> levels;
      if (type_ == ColumnType::Int || type_ == ColumnType::Float || type_ == ColumnType::Bool) {
        // Numbers sort as numbers, so level order (and class indices) follow the values.
        std::vector<double> values = detail::present_values(*this);
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        for (double x : values) {
          levels.push_back(type_ == ColumnType::Float  ? detail::format_double(x)
                           : type_ == ColumnType::Bool ? (x != 0 ? "true" : "false")
                                                       : fmt::format("{}", static_cast<int64_t>(x)));
        }
      }
      return from_categories(name_, text_values, missing_, std::move(levels));
    }
    case ColumnType::String: {
      std::vector<std::string> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = text(i);
      return from_strings(name_, std::move(v), missing_);
    }
  }
  return *this;
}

bool Column::cell_equal(int64_t a, int64_t b) const {
  const auto i = static_cast<size_t>(a), j = static_cast<size_t>(b);
  if (missing_[i] || missing_[j]) return missing_[i] == missing_[j];
  if (type_ == ColumnType::Float) return floats_[i] == floats_[j];
  if (type_ == ColumnType::String) return strings_[i] == strings_[j];
  return ints_[i] == ints_[j];
}

bool Column::operator==(const Column& other) const {
  if (name_ != other.name_ || type_ != other.type_ || missing_ != other.missing_ ||
      levels_ != other.levels_) {
    return false;
  }
  if (type_ == ColumnType::Float) {
    for (size_t i = 0; i < floats_.size(); ++i) {
      if (!missing_[i] && floats_[i] != other.floats_[i]) return false;
    }
    return true;
  }
  return ints_ == other.ints_ && strings_ == other.strings_;
}

// ---- Table ----------------------------------------------------------------------------------------

Table::Table(std::vector<Column> columns) {
  for (auto& c : columns) add_column(std::move(c));
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const auto& c : columns_) names.push_back(c.name());
  return names;
}

bool Table::has_column(std::string_view name) const {
  return std::any_of(columns_.begin(), columns_.end(), [&](const Column& c) { return c.name() == name; });
}

int64_t Table::column_index(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name() == name) return static_cast<int64_t>(i);
  }
  STRATA_FAIL("Table: no column '{}' (columns: {})", name, fmt::join(column_names(), ", "));
}

const Column& Table::column(std::string_view name) const {
  return columns_[static_cast<size_t>(column_index(name))];
}
Column& Table::column(std::string_view name) { return columns_[static_cast<size_t>(column_index(name))]; }

const Column& Table::column(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < num_columns(), "Table: column index {} is out of range for {} columns",
               index, num_columns());
  return columns_[static_cast<size_t>(index)];
}
Column& Table::column(int64_t index) {
  STRATA_CHECK(index >= 0 && index < num_columns(), "Table: column index {} is out of range for {} columns",
               index, num_columns());
  return columns_[static_cast<size_t>(index)];
}

void Table::add_column(Column column) { insert_column(num_columns(), std::move(column)); }

void Table::insert_column(int64_t index, Column column) {
  STRATA_CHECK(index >= 0 && index <= num_columns(),
               "Table::insert_column: position {} is out of range for {} columns", index, num_columns());
  STRATA_CHECK(!has_column(column.name()), "Table: a column named '{}' already exists", column.name());
  if (columns_.empty()) {
    num_rows_ = column.size();
  } else {
    STRATA_CHECK(column.size() == num_rows_, "Table: column '{}' has {} rows but the table has {}",
                 column.name(), column.size(), num_rows_);
  }
  columns_.insert(columns_.begin() + index, std::move(column));
}

void Table::replace_column(std::string_view name, Column column) {
  const int64_t i = column_index(name);
  STRATA_CHECK(column.size() == num_rows_, "Table: column '{}' has {} rows but the table has {}",
               column.name(), column.size(), num_rows_);
  STRATA_CHECK(column.name() == name || !has_column(column.name()),
               "Table: a column named '{}' already exists", column.name());
  columns_[static_cast<size_t>(i)] = std::move(column);
}

void Table::drop_column(std::string_view name) {
  columns_.erase(columns_.begin() + column_index(name));
  if (columns_.empty()) num_rows_ = 0;
}

Table Table::select(const std::vector<std::string>& names) const {
  Table out;
  for (const auto& n : names) out.add_column(column(n));
  out.num_rows_ = num_rows_;
  return out;
}

Table Table::drop(const std::vector<std::string>& names) const {
  for (const auto& n : names) column_index(n);  // throws on unknown names
  Table out;
  for (const auto& c : columns_) {
    if (std::find(names.begin(), names.end(), c.name()) == names.end()) out.add_column(c);
  }
  if (out.columns_.empty()) out.num_rows_ = 0;
  return out;
}

Table Table::take(const std::vector<int64_t>& rows) const {
  Table out;
  out.columns_.reserve(columns_.size());
  for (const auto& c : columns_) out.columns_.push_back(c.take(rows));
  out.num_rows_ = columns_.empty() ? 0 : static_cast<int64_t>(rows.size());
  return out;
}

Table Table::head(int64_t n) const {
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < std::min(n, num_rows_); ++i) rows.push_back(i);
  return take(rows);
}

void Table::append_rows(const Table& other) {
  if (columns_.empty()) {
    *this = other;
    return;
  }
  STRATA_CHECK(other.column_names() == column_names(),
               "Table::append_rows: the tables have different columns ([{}] and [{}])",
               fmt::join(column_names(), ", "), fmt::join(other.column_names(), ", "));
  for (size_t i = 0; i < columns_.size(); ++i) columns_[i].append(other.columns_[i]);
  num_rows_ += other.num_rows_;
}

std::vector<std::string> Table::columns_of_type(std::initializer_list<ColumnType> types) const {
  std::vector<std::string> out;
  for (const auto& c : columns_) {
    if (std::find(types.begin(), types.end(), c.type()) != types.end()) out.push_back(c.name());
  }
  return out;
}

std::string Table::to_string(int64_t max_rows) const {
  const int64_t rows = std::min(max_rows, num_rows_);
  std::vector<std::vector<std::string>> cells(columns_.size());
  std::vector<size_t> width(columns_.size());
  for (size_t j = 0; j < columns_.size(); ++j) {
    cells[j].push_back(columns_[j].name());
    for (int64_t i = 0; i < rows; ++i) {
      std::string t = columns_[j].is_missing(i) ? "NA" : columns_[j].text(i);
      if (t.size() > 24) t = t.substr(0, 21) + "...";
      cells[j].push_back(std::move(t));
    }
    for (const auto& t : cells[j]) width[j] = std::max(width[j], t.size());
  }
  std::string out;
  for (int64_t i = 0; i <= rows; ++i) {
    for (size_t j = 0; j < columns_.size(); ++j) {
      if (j > 0) out += "  ";
      const std::string& t = cells[j][static_cast<size_t>(i)];
      const bool right = i > 0 && columns_[j].is_numeric();
      out += right ? fmt::format("{:>{}}", t, width[j]) : fmt::format("{:<{}}", t, width[j]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  }
  if (rows < num_rows_) out += fmt::format("... ({} rows x {} columns)\n", num_rows_, columns_.size());
  return out;
}

std::ostream& operator<<(std::ostream& os, const Table& table) { return os << table.to_string(); }

// ---- describe -------------------------------------------------------------------------------------

const ColumnSummary& Description::operator[](std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return c;
  }
  STRATA_FAIL("Description: no column '{}'", name);
}

Table Description::to_table() const {
  std::vector<std::string> names, types, tops;
  std::vector<int64_t> count, missing, distinct, freq;
  std::vector<double> stats[7];
  std::vector<uint8_t> no_top;
  for (const auto& c : columns) {
    names.push_back(c.name);
    types.push_back(std::string(table::to_string(c.type)));
    count.push_back(c.count);
    missing.push_back(c.missing);
    distinct.push_back(c.distinct);
    const double v[7] = {c.mean, c.std, c.min, c.q25, c.median, c.q75, c.max};
    for (int k = 0; k < 7; ++k) stats[k].push_back(v[k]);
    tops.push_back(c.top);
    freq.push_back(c.freq);
    no_top.push_back(c.count == 0);
  }
  Table t;
  t.add_column(Column::from_strings("column", names));
  t.add_column(Column::from_strings("type", types));
  t.add_column(Column::from_ints("count", count));
  t.add_column(Column::from_ints("missing", missing));
  const char* stat_names[7] = {"mean", "std", "min", "25%", "50%", "75%", "max"};
  for (int k = 0; k < 7; ++k) t.add_column(Column::from_floats(stat_names[k], stats[k]));
  t.add_column(Column::from_ints("distinct", distinct));
  t.add_column(Column::from_strings("top", tops, no_top));
  t.add_column(Column::from_ints("freq", freq, no_top));
  return t;
}

std::string Description::to_string() const {
  Table t = to_table();
  // Round the statistics for display only.
  for (const char* name : {"mean", "std", "min", "25%", "50%", "75%", "max"}) {
    Column& c = t.column(name);
    std::vector<std::string> text(static_cast<size_t>(c.size()));
    for (int64_t i = 0; i < c.size(); ++i) {
      if (!c.is_missing(i)) text[static_cast<size_t>(i)] = fmt::format("{:.6g}", c.number(i));
    }
    t.replace_column(name, Column::from_strings(name, std::move(text), c.missing_mask()));
  }
  return t.to_string(static_cast<int64_t>(columns.size()));
}

Description describe(const Table& table) {
  Description d;
  for (const Column& c : table.columns()) {
    ColumnSummary s;
    s.name = c.name();
    s.type = c.type();
    s.missing = c.missing_count();
    s.count = c.size() - s.missing;
    if (c.type() == ColumnType::Int || c.type() == ColumnType::Float) {
      std::vector<double> v = detail::present_values(c);
      std::sort(v.begin(), v.end());
      if (!v.empty()) {
        s.mean = detail::mean(v);
        s.std = detail::stddev(v, 1);
        s.min = v.front();
        s.max = v.back();
        s.q25 = detail::quantile_sorted(v, 0.25);
        s.median = detail::quantile_sorted(v, 0.5);
        s.q75 = detail::quantile_sorted(v, 0.75);
      }
    }
    // Distinct values and the most frequent one (first seen wins ties, as pandas' value_counts), counted on
    // the stored values (codes, doubles, strings) rather than on formatted text.
    int64_t best_row = -1;
    auto tally = [&](auto& counts, auto key) {
      for (int64_t i = 0; i < c.size(); ++i) {
        if (c.is_missing(i)) continue;
        auto [it, inserted] = counts.try_emplace(key(i), 0, i);
        ++it->second.first;
      }
      s.distinct = static_cast<int64_t>(counts.size());
      for (const auto& [value, cf] : counts) {
        if (cf.first > s.freq || (cf.first == s.freq && cf.second < best_row)) {
          s.freq = cf.first;
          best_row = cf.second;
        }
      }
    };
    if (c.type() == ColumnType::String) {
      std::unordered_map<std::string_view, std::pair<int64_t, int64_t>> counts;
      tally(counts, [&](int64_t i) { return std::string_view(c.string_values()[static_cast<size_t>(i)]); });
    } else if (c.type() == ColumnType::Float) {
      std::unordered_map<double, std::pair<int64_t, int64_t>> counts;
      tally(counts,
            [&](int64_t i) { return c.float_values()[static_cast<size_t>(i)] + 0.0; });  // -0 counts as 0
    } else {
      std::unordered_map<int64_t, std::pair<int64_t, int64_t>> counts;
      tally(counts, [&](int64_t i) { return c.int_values()[static_cast<size_t>(i)]; });
    }
    if (best_row >= 0) s.top = c.text(best_row);
    d.columns.push_back(std::move(s));
  }
  return d;
}

}  // namespace strata::data::table
