#include "strata/data/table/csv.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <unordered_set>

#include "data/table/table_util.h"
#include "strata/core/error.h"

namespace strata::data::table {

namespace detail {

std::string read_text_file(const std::string& path, const char* what) {
  // gzread passes uncompressed files through unchanged, so one path serves .csv and .csv.gz.
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  STRATA_CHECK(f != nullptr, "{}: cannot open {}: {}", what, path,
               errno != 0 ? std::strerror(errno) : "gzopen failed");
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(f, buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      std::string message = gzerror(f, &code);
      gzclose(f);
      STRATA_FAIL("{}: cannot read {}: {}", what, path, message);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  gzclose(f);
  return text;
}

}  // namespace detail

namespace {

struct Field {
  std::string value;
  bool quoted = false;
};

// Splits CSV text into records, tracking the line and column for error messages.
class CsvScanner {
 public:
  CsvScanner(std::string_view text, char delimiter, const CsvOptions& options, const std::string& source)
      : text_(text), delim_(delimiter), options_(options), source_(source) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
  }

  // The next record's fields (false at the end); `line` gets the line the record starts on.
  bool next(std::vector<Field>& fields, int64_t& line) {
    fields.clear();
    // Skip blank and comment lines.
    for (;;) {
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      if (c == '\n' || c == '\r') {
        consume_newline();
        continue;
      }
      if (options_.comment != 0 && c == options_.comment) {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
        continue;
      }
      break;
    }
    line = line_;
    for (;;) {
      fields.push_back(read_field());
      if (pos_ < text_.size() && text_[pos_] == delim_) {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size()) consume_newline();
      return true;
    }
  }

 private:
  int64_t column() const { return static_cast<int64_t>(pos_ - line_start_) + 1; }

  void consume_newline() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }

  bool at_field_end() const {
    return pos_ >= text_.size() || text_[pos_] == delim_ || text_[pos_] == '\n' || text_[pos_] == '\r';
  }

  Field read_field() {
    Field f;
    size_t start = pos_;
    // Leading spaces before an opening quote are allowed (and dropped) when trimming.
    if (options_.trim) {
      while (start < text_.size() && (text_[start] == ' ' || text_[start] == '\t') &&
             text_[start] != delim_) {
        ++start;
      }
    }
    if (start < text_.size() && text_[start] == options_.quote && options_.quote != 0) {
      pos_ = start;
      const int64_t open_line = line_, open_col = column();
      ++pos_;
      f.quoted = true;
      for (;;) {
        if (pos_ >= text_.size()) {
          STRATA_FAIL(
              "read_csv: {}: line {}, column {}: unbalanced quote: the quoted field opened here is not "
              "closed "
              "before the end of the file",
              source_, open_line, open_col);
        }
        const char c = text_[pos_];
        if (c == options_.quote) {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == options_.quote) {
            f.value += c;
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        f.value += c;
        ++pos_;
        if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) {
          ++line_;
          line_start_ = pos_;
        }
      }
      while (options_.trim && pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t') &&
             text_[pos_] != delim_) {
        ++pos_;
      }
      if (!at_field_end()) {
        STRATA_FAIL(
            "read_csv: {}: line {}, column {}: unexpected character '{}' after the closing quote of a quoted "
            "field (quotes inside a quoted field must be doubled)",
            source_, line_, column(), text_[pos_]);
      }
      return f;
    }
    while (!at_field_end()) ++pos_;
    std::string_view raw = text_.substr(start, pos_ - start);
    f.value = std::string(options_.trim ? detail::trim(raw) : raw);
    return f;
  }

  std::string_view text_;
  char delim_;
  const CsvOptions& options_;
  const std::string& source_;
  size_t pos_ = 0, line_start_ = 0;
  int64_t line_ = 1;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The candidate that splits the first lines into the same non-zero number of fields most often.
char detect_delimiter(std::string_view text, char quote) {
  const char candidates[] = {',', '\t', ';', '|'};
  std::vector<std::array<int64_t, 4>> counts;
  std::array<int64_t, 4> current{};
  bool in_quotes = false, any = false;
  for (size_t i = 0; i < text.size() && counts.size() < 20; ++i) {
    const char c = text[i];
    if (c == quote && quote != 0) {
      in_quotes = !in_quotes;
    } else if (!in_quotes && (c == '\n' || c == '\r')) {
      if (any) counts.push_back(current);
      current = {};
      any = false;
    } else if (!in_quotes) {
      any = true;
      for (int k = 0; k < 4; ++k) current[static_cast<size_t>(k)] += c == candidates[k];
    }
  }
  if (any && counts.size() < 20) counts.push_back(current);
  if (counts.empty()) return ',';
  int best = -1;
  int64_t best_count = 0;
  bool best_consistent = false;
  for (int k = 0; k < 4; ++k) {
    const int64_t first = counts[0][static_cast<size_t>(k)];
    if (first == 0) continue;
    bool consistent = true;
    for (const auto& row : counts) consistent &= row[static_cast<size_t>(k)] == first;
    if (best < 0 || (consistent && !best_consistent) ||
        (consistent == best_consistent && first > best_count)) {
      best = k;
      best_count = first;
      best_consistent = consistent;
    }
  }
  return best < 0 ? ',' : candidates[best];
}

struct RawColumn {
  std::string name;
  std::vector<std::string> values;
  std::vector<uint8_t> missing;
};

// Converts one column of text to its declared or inferred type.
Column convert(RawColumn raw, const std::vector<int64_t>& lines, const CsvOptions& options,
               const std::string& source, int64_t column_number) {
  const auto n = raw.values.size();
  std::optional<ColumnType> declared;
  if (auto it = options.types.find(raw.name); it != options.types.end()) declared = it->second;
  const auto fail = [&](size_t row, ColumnType type) {
    STRATA_FAIL("read_csv: {}: line {}, column {} ('{}'): cannot parse '{}' as {}", source, lines[row],
                column_number, raw.name, raw.values[row], to_string(type));
  };
  ColumnType type;
  if (declared) {
    type = *declared;
  } else {
    bool all_int = true, all_float = true, all_bool = true, any = false;
    for (size_t i = 0; i < n && (all_int || all_float || all_bool); ++i) {
      if (raw.missing[i]) continue;
      any = true;
      const std::string_view v = detail::trim(raw.values[i]);
      if (all_int && !detail::parse_int(v)) all_int = false;
      if (all_float && !all_int && !detail::parse_float(v)) all_float = false;
      if (all_bool && !detail::parse_bool(v)) all_bool = false;
    }
    if (!any || all_int || all_float) {
      type = !any ? ColumnType::Float : all_int ? ColumnType::Int : ColumnType::Float;
    } else if (all_bool) {
      type = ColumnType::Bool;
    } else {
      std::unordered_set<std::string_view> distinct;
      int64_t present = 0;
      for (size_t i = 0; i < n; ++i) {
        if (raw.missing[i]) continue;
        ++present;
        distinct.insert(raw.values[i]);
        if (static_cast<int64_t>(distinct.size()) > options.max_category_levels) break;
      }
      const auto d = static_cast<int64_t>(distinct.size());
      type =
          (d <= options.max_category_levels && 2 * d <= present) ? ColumnType::Category : ColumnType::String;
    }
  }
  switch (type) {
    case ColumnType::Int: {
      std::vector<int64_t> v(n);
      for (size_t i = 0; i < n; ++i) {
        if (raw.missing[i]) continue;
        auto x = detail::parse_int(detail::trim(raw.values[i]));
        if (!x) {
          // A float with an integral value ("3.0") is accepted for a declared int column.
          auto f = detail::parse_float(detail::trim(raw.values[i]));
          if (!f || *f != std::trunc(*f) || std::abs(*f) >= 9.2e18) fail(i, type);
          x = static_cast<int64_t>(*f);
        }
        v[i] = *x;
      }
      return Column::from_ints(std::move(raw.name), std::move(v), std::move(raw.missing));
    }
    case ColumnType::Float: {
      std::vector<double> v(n, 0.0);
      for (size_t i = 0; i < n; ++i) {
        if (raw.missing[i]) continue;
        auto x = detail::parse_float(detail::trim(raw.values[i]));
        if (!x) fail(i, type);
        v[i] = *x;
      }
      return Column::from_floats(std::move(raw.name), std::move(v), std::move(raw.missing));
    }
    case ColumnType::Bool: {
      std::vector<bool> v(n);
      for (size_t i = 0; i < n; ++i) {
        if (raw.missing[i]) continue;
        const std::string_view s = detail::trim(raw.values[i]);
        auto x = detail::parse_bool(s);
        if (!x && (s == "0" || s == "1")) x = s == "1";
        if (!x) fail(i, type);
        v[i] = *x;
      }
      return Column::from_bools(std::move(raw.name), v, std::move(raw.missing));
    }
    case ColumnType::Category:
      return Column::from_categories(std::move(raw.name), raw.values, std::move(raw.missing));
    case ColumnType::String:
      return Column::from_strings(std::move(raw.name), std::move(raw.values), std::move(raw.missing));
  }
  return {};
}

}  // namespace

Table parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
  const char delimiter = options.delimiter != 0 ? options.delimiter
                         : ends_with(source, ".tsv") || ends_with(source, ".tsv.gz")
                             ? '\t'
                             : detect_delimiter(text, options.quote);
  STRATA_CHECK(delimiter != options.quote, "read_csv: {}: the delimiter and the quote are both '{}'", source,
               delimiter);
  const std::unordered_set<std::string> na(options.na_values.begin(), options.na_values.end());
  CsvScanner scanner(text, delimiter, options, source);
  std::vector<Field> fields;
  int64_t line = 0;
  if (!scanner.next(fields, line)) {
    STRATA_FAIL("read_csv: {}: line 1, column 1: the file is empty (no header and no rows)", source);
  }

  std::vector<RawColumn> columns(fields.size());
  std::vector<int64_t> lines;
  const auto add_row = [&](std::vector<Field>& row, int64_t row_line) {
    if (row.size() != columns.size()) {
      if (row.size() < columns.size()) {
        STRATA_FAIL(
            "read_csv: {}: line {}, column {}: the row has {} fields but the {} has {} (column '{}' is "
            "missing)",
            source, row_line, row.size() + 1, row.size(), options.header ? "header" : "first row",
            columns.size(), columns[row.size()].name);
      }
      STRATA_FAIL("read_csv: {}: line {}, column {}: the row has {} fields but the {} has {}", source,
                  row_line, columns.size() + 1, row.size(), options.header ? "header" : "first row",
                  columns.size());
    }
    for (size_t j = 0; j < row.size(); ++j) {
      const bool missing = !row[j].quoted && na.count(row[j].value) > 0;
      columns[j].missing.push_back(missing);
      columns[j].values.push_back(missing ? std::string() : std::move(row[j].value));
    }
    lines.push_back(row_line);
  };

  // Names: from the options, else the header, else column_<k>; empty and repeated names are fixed up.
  if (!options.names.empty()) {
    STRATA_CHECK(options.names.size() == fields.size(),
                 "read_csv: {}: line {}: {} column names given but the first row has {} fields", source, line,
                 options.names.size(), fields.size());
  }
  std::set<std::string> seen;
  for (size_t j = 0; j < fields.size(); ++j) {
    std::string name = !options.names.empty() ? options.names[j]
                       : options.header       ? fields[j].value
                                              : fmt::format("column_{}", j);
    if (name.empty()) name = fmt::format("column_{}", j);
    if (seen.count(name)) {
      int k = 1;
      while (seen.count(fmt::format("{}.{}", name, k))) ++k;
      name = fmt::format("{}.{}", name, k);
    }
    seen.insert(name);
    columns[j].name = std::move(name);
  }
  for (const auto& [name, type] : options.types) {
    STRATA_CHECK(seen.count(name),
                 "read_csv: {}: a type is given for column '{}' but the file has no such column", source,
                 name);
  }
  if (!options.header) add_row(fields, line);
  while (scanner.next(fields, line)) add_row(fields, line);

  Table table;
  for (size_t j = 0; j < columns.size(); ++j) {
    table.add_column(convert(std::move(columns[j]), lines, options, source, static_cast<int64_t>(j) + 1));
  }
  return table;
}

Table read_csv(const std::string& path, const CsvOptions& options) {
  return parse_csv(detail::read_text_file(path, "read_csv"), options, path);
}

namespace {

void write_field(std::string& out, const std::string& value, bool force_quote, char delimiter) {
  bool quote = force_quote || value.empty() || value.front() == ' ' || value.back() == ' ' ||
               value.front() == '\t' || value.back() == '\t';
  for (char c : value) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string to_csv(const Table& table, const CsvWriteOptions& options) {
  static const std::unordered_set<std::string> kNa = [] {
    const std::vector<std::string> tokens = CsvOptions{}.na_values;
    return std::unordered_set<std::string>(tokens.begin(), tokens.end());
  }();
  std::string out;
  const auto& cols = table.columns();
  if (options.header) {
    for (size_t j = 0; j < cols.size(); ++j) {
      if (j > 0) out += options.delimiter;
      write_field(out, cols[j].name(), false, options.delimiter);
    }
    out += '\n';
  }
  for (int64_t i = 0; i < table.num_rows(); ++i) {
    for (size_t j = 0; j < cols.size(); ++j) {
      if (j > 0) out += options.delimiter;
      const Column& c = cols[j];
      if (c.is_missing(i)) {
        out += options.na_rep;
      } else if (c.type() == ColumnType::String || c.type() == ColumnType::Category) {
        const std::string& v = c.str(i);
        write_field(out, v, kNa.count(v) > 0, options.delimiter);
      } else {
        out += c.text(i);
      }
    }
    // A lone empty field would make a blank line, which readers skip: write NA instead.
    if (cols.size() == 1 && cols[0].is_missing(i) && options.na_rep.empty()) out += "NA";
    out += '\n';
  }
  return out;
}

void write_csv(const Table& table, const std::string& path, const CsvWriteOptions& options) {
  const std::string text = to_csv(table, options);
  std::ofstream f(path, std::ios::binary);
  STRATA_CHECK(f.good(), "write_csv: cannot open {} for writing: {}", path, std::strerror(errno));
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  STRATA_CHECK(f.good(), "write_csv: writing {} failed: {}", path, std::strerror(errno));
}

}  // namespace strata::data::table
