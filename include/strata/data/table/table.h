#pragma once
// Table: named, typed columns (int, float, bool, category, string) of equal length with missing values,
// the in-memory form of CSV/ARFF data that cleaning, encoding, splits and tensor conversion work on.
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace strata::data::table {

enum class ColumnType { Int, Float, Bool, Category, String };

// "int", "float", "bool", "category", "string".
std::string_view to_string(ColumnType type);
// Parses a type name (also "integer", "double", "numeric", "categorical", "str", "text"); throws on others.
ColumnType parse_column_type(std::string_view name);

// One column: values of one type plus a missing mask. Int, Bool and Category values live in an int64
// vector (Category as codes into levels()), Float values in a double vector (NaN where missing), String
// values in a string vector.
class Column {
 public:
  Column() = default;

  // Factories; `missing` (empty or one entry per value, non-zero = missing) marks missing entries.
  static Column from_ints(std::string name, std::vector<int64_t> values, std::vector<uint8_t> missing = {});
  // NaN values count as missing too.
  static Column from_floats(std::string name, std::vector<double> values, std::vector<uint8_t> missing = {});
  static Column from_bools(std::string name, const std::vector<bool>& values,
                           std::vector<uint8_t> missing = {});
  // Category column from text values; levels are the given ones (values must be among them) or, when
  // empty, the distinct values sorted.
  static Column from_categories(std::string name, const std::vector<std::string>& values,
                                std::vector<uint8_t> missing = {}, std::vector<std::string> levels = {});
  // Category column from codes into `levels`.
  static Column from_codes(std::string name, std::vector<int64_t> codes, std::vector<std::string> levels,
                           std::vector<uint8_t> missing = {});
  static Column from_strings(std::string name, std::vector<std::string> values,
                             std::vector<uint8_t> missing = {});
  // A column of `n` missing values.
  static Column all_missing(std::string name, ColumnType type, int64_t n);

  // ---- metadata -----------------------------------------------------------------------------------
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  ColumnType type() const { return type_; }
  int64_t size() const { return static_cast<int64_t>(missing_.size()); }
  // Int, Float or Bool.
  bool is_numeric() const {
    return type_ == ColumnType::Int || type_ == ColumnType::Float || type_ == ColumnType::Bool;
  }
  bool is_missing(int64_t row) const { return missing_[static_cast<size_t>(row)] != 0; }
  int64_t missing_count() const;

  // ---- values -------------------------------------------------------------------------------------
  // Int/Bool value, or Category code; throws for Float and String columns.
  int64_t int_at(int64_t row) const;
  // Numeric value as double (Int, Float, Bool; the code for Category); NaN when missing; throws for String.
  double number(int64_t row) const;
  // String value (String columns) or level (Category columns); throws for other types.
  const std::string& str(int64_t row) const;
  // Any value as text ("" when missing): shortest round-trip form for floats, "true"/"false" for bools.
  std::string text(int64_t row) const;
  // Every value as double with NaN for missing (numeric and Category columns).
  std::vector<double> to_doubles() const;

  // Raw storage (see the class comment); writes through these must keep the missing mask in step.
  const std::vector<int64_t>& int_values() const { return ints_; }
  const std::vector<double>& float_values() const { return floats_; }
  const std::vector<std::string>& string_values() const { return strings_; }
  const std::vector<uint8_t>& missing_mask() const { return missing_; }
  // Category levels, in code order.
  const std::vector<std::string>& levels() const { return levels_; }
  // The code of `level`, adding it when new (Category columns).
  int64_t add_level(const std::string& level);
  // The code of `level`, or -1 when it is not a level.
  int64_t find_level(std::string_view level) const;

  // ---- writes -------------------------------------------------------------------------------------
  void set_missing(int64_t row);
  // Sets a numeric value (Int: must be integral; Bool: non-zero is true; Category: a valid code).
  void set_number(int64_t row, double value);
  // Sets a String value or a Category level (added when new).
  void set_str(int64_t row, const std::string& value);
  // Copies row `src_row` of `src` (same type) into `row`; Category levels are matched by text.
  void set_from(int64_t row, const Column& src, int64_t src_row);

  // ---- whole-column operations --------------------------------------------------------------------
  // The rows at `rows`, in that order.
  Column take(const std::vector<int64_t>& rows) const;
  // Appends the rows of `other` (same type; Category levels are merged).
  void append(const Column& other);
  // Converts to `type`: numbers <-> text parse or format, Float -> Int needs integral values, anything ->
  // Category uses the distinct values (numerically sorted for numbers); throws naming the first bad row.
  Column cast(ColumnType type) const;
  // Exact equality of two cells of this column (missing equals missing).
  bool cell_equal(int64_t a, int64_t b) const;
  // Same name, type, levels, missing mask and values.
  bool operator==(const Column& other) const;

 private:
  void check_row(int64_t row, const char* what) const;
  std::string name_;
  ColumnType type_ = ColumnType::Float;
  std::vector<int64_t> ints_;
  std::vector<double> floats_;
  std::vector<std::string> strings_;
  std::vector<std::string> levels_;
  std::vector<uint8_t> missing_;
};

class Table {
 public:
  Table() = default;
  // Columns of equal length with distinct names.
  explicit Table(std::vector<Column> columns);

  int64_t num_rows() const { return num_rows_; }
  int64_t num_columns() const { return static_cast<int64_t>(columns_.size()); }
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<std::string> column_names() const;
  bool has_column(std::string_view name) const;
  // Position of the column; throws naming the known columns when absent.
  int64_t column_index(std::string_view name) const;
  const Column& column(std::string_view name) const;
  Column& column(std::string_view name);
  const Column& column(int64_t index) const;
  Column& column(int64_t index);
  const Column& operator[](std::string_view name) const { return column(name); }

  // Appends a column (its length must match unless the table has no columns).
  void add_column(Column column);
  // Inserts a column before position `index`.
  void insert_column(int64_t index, Column column);
  // Replaces the column called `name` (keeps its position; the new one may be renamed).
  void replace_column(std::string_view name, Column column);
  void drop_column(std::string_view name);

  // The named columns, in that order.
  Table select(const std::vector<std::string>& names) const;
  // Every column except the named ones.
  Table drop(const std::vector<std::string>& names) const;
  // The rows at `rows`, in that order.
  Table take(const std::vector<int64_t>& rows) const;
  // The first n rows.
  Table head(int64_t n = 5) const;
  // Appends the rows of `other` (same column names and types, in the same order).
  void append_rows(const Table& other);
  // Names of the columns of the given types.
  std::vector<std::string> columns_of_type(std::initializer_list<ColumnType> types) const;

  // Aligned text of the first `max_rows` rows (missing shown as NA).
  std::string to_string(int64_t max_rows = 10) const;
  bool operator==(const Table& other) const = default;

 private:
  std::vector<Column> columns_;
  int64_t num_rows_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Table& table);

// Summary statistics of one column, as pandas' describe(include="all") plus a missing count.
struct ColumnSummary {
  std::string name;
  ColumnType type = ColumnType::Float;
  int64_t count = 0;     // non-missing values
  int64_t missing = 0;   // missing values
  int64_t distinct = 0;  // distinct non-missing values
  // Int and Float columns only (NaN otherwise, or when there are no values); std uses n - 1 (as pandas).
  double mean = std::numeric_limits<double>::quiet_NaN();
  double std = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double q25 = std::numeric_limits<double>::quiet_NaN();
  double median = std::numeric_limits<double>::quiet_NaN();
  double q75 = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  // The most frequent value (ties: the first seen) and its count; empty when there are no values.
  std::string top;
  int64_t freq = 0;
};

struct Description {
  std::vector<ColumnSummary> columns;
  // The summary of one column; throws when absent.
  const ColumnSummary& operator[](std::string_view name) const;
  // One row per column: name, type, count, missing, mean, std, min, 25%, 50%, 75%, max, distinct, top, freq.
  Table to_table() const;
  // Aligned text of to_table().
  std::string to_string() const;
};

// Per-column summary statistics (quartiles by linear interpolation, as pandas and NumPy).
Description describe(const Table& table);

}  // namespace strata::data::table
