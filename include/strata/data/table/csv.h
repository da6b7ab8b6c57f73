#pragma once
// CSV/TSV reading (RFC 4180 quoting, delimiter detection, NA tokens, type inference) and writing.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/data/table/table.h"

namespace strata::data::table {

struct CsvOptions {
  // 0: detect from the first lines (',', '\t', ';' or '|'; '\t' for a .tsv file).
  char delimiter = 0;
  // The first record holds the column names; without one, columns are named column_0, column_1, ...
  bool header = true;
  // Column names to use (replace the header's, or name a headerless file's columns).
  std::vector<std::string> names{};
  char quote = '"';
  // Lines starting with this character are skipped (0: none).
  char comment = 0;
  // Unquoted fields equal to one of these are missing. A quoted field is always text ("NA" in quotes is
  // the string NA), so a written table reads back unchanged.
  std::vector<std::string> na_values{"", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"};
  // Column types by name; the rest are inferred: int, else float, else bool (true/false), else category
  // (few distinct values that repeat), else string. A value that does not parse as its column's declared
  // type is an error naming the file, line and column.
  std::map<std::string, ColumnType> types{};
  // Strip spaces and tabs around unquoted fields.
  bool trim = true;
  // Inferred text columns become categories when they have at most this many distinct values and at most
  // half as many distinct values as present ones.
  int64_t max_category_levels = 50;
};

// Reads a CSV/TSV file (gzip-compressed files too). Errors name the file, line and column.
Table read_csv(const std::string& path, const CsvOptions& options = {});
// Parses CSV text; `source` names it in error messages.
Table parse_csv(std::string_view text, const CsvOptions& options = {}, const std::string& source = "<text>");

struct CsvWriteOptions {
  char delimiter = ',';
  bool header = true;
  // Written for missing values.
  std::string na_rep{};
};

// The table as CSV text: fields holding the delimiter, a quote, a line break, surrounding spaces, or text
// that would read back as missing are quoted (quotes doubled); floats use the shortest exact form.
std::string to_csv(const Table& table, const CsvWriteOptions& options = {});
// Writes to_csv(table) to `path`.
void write_csv(const Table& table, const std::string& path, const CsvWriteOptions& options = {});

}  // namespace strata::data::table
