#include "strata/data/table/arff.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <unordered_map>

#include "data/table/table_util.h"
#include "strata/core/error.h"

namespace strata::data::table {
namespace {

struct Attribute {
  std::string name;
  ColumnType type = ColumnType::Float;
  std::vector<std::string> levels;  // nominal
  std::unordered_map<std::string, int64_t> level_index;
};

struct Token {
  std::string value;
  bool quoted = false;
  int64_t column = 0;  // 1-based character column of the token's start
};

// Reads ARFF values one line at a time, reporting positions as "file: line L, column C".
class LineParser {
 public:
  LineParser(std::string_view line, int64_t line_number, const std::string& source)
      : line_(line), line_number_(line_number), source_(source) {}

  [[noreturn]] void fail(int64_t column, const std::string& message) const {
    STRATA_FAIL("read_arff: {}: line {}, column {}: {}", source_, line_number_, column, message);
  }

  void skip_space() {
    while (pos_ < line_.size() && (line_[pos_] == ' ' || line_[pos_] == '\t')) ++pos_;
  }
  bool done() {
    skip_space();
    return pos_ >= line_.size();
  }
  int64_t column() const { return static_cast<int64_t>(pos_) + 1; }
  std::string_view rest() const { return line_.substr(pos_); }
  void advance(size_t n) { pos_ += n; }

  // A value ended by whitespace (stop_at_space) or by one of `stops`; quoted with ' or " (backslash escapes).
  Token value(std::string_view stops, bool stop_at_space) {
    skip_space();
    Token t;
    t.column = column();
    if (pos_ < line_.size() && (line_[pos_] == '\'' || line_[pos_] == '"')) {
      const char q = line_[pos_++];
      t.quoted = true;
      for (;;) {
        if (pos_ >= line_.size())
          fail(t.column, fmt::format("unbalanced quote: the value opened by {} is not closed", q));
        char c = line_[pos_++];
        if (c == q) break;
        if (c == '\\' && pos_ < line_.size()) {
          c = line_[pos_++];
          c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
        t.value += c;
      }
      return t;
    }
    const size_t start = pos_;
    while (pos_ < line_.size() && stops.find(line_[pos_]) == std::string_view::npos &&
           !(stop_at_space && (line_[pos_] == ' ' || line_[pos_] == '\t'))) {
      ++pos_;
    }
    t.value = std::string(detail::trim(line_.substr(start, pos_ - start)));
    return t;
  }

  // Comma-separated values up to the end of the line (or up to `close`, which is consumed).
  std::vector<Token> list(char close) {
    std::vector<Token> out;
    const std::string stops = close != 0 ? std::string(",") + close : std::string(",");
    for (;;) {
      Token t = value(stops, false);
      skip_space();
      if (pos_ < line_.size() && line_[pos_] != ',' && line_[pos_] != close) {
        fail(column(),
             fmt::format("unexpected character '{}' after the value '{}' (values are separated by commas)",
                         line_[pos_], t.value));
      }
      out.push_back(std::move(t));
      if (pos_ < line_.size() && line_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (close != 0) {
        if (pos_ >= line_.size()) fail(column(), fmt::format("unbalanced brace: '{}' is missing", close));
        ++pos_;
      }
      return out;
    }
  }

 private:
  std::string_view line_;
  int64_t line_number_;
  const std::string& source_;
  size_t pos_ = 0;
};

Attribute parse_attribute(LineParser& p) {
  Attribute a;
  Token name = p.value("{", true);
  if (name.value.empty()) p.fail(name.column, "@attribute has no name");
  a.name = name.value;
  p.skip_space();
  const int64_t type_column = p.column();
  if (p.done()) p.fail(type_column, fmt::format("@attribute '{}' has no type", a.name));
  if (p.rest().front() == '{') {
    p.advance(1);
    for (Token& t : p.list('}')) {
      if (a.level_index.count(t.value)) {
        p.fail(t.column, fmt::format("attribute '{}' lists the nominal value '{}' twice", a.name, t.value));
      }
      a.level_index.emplace(t.value, static_cast<int64_t>(a.levels.size()));
      a.levels.push_back(std::move(t.value));
    }
    a.type = ColumnType::Category;
    return a;
  }
  Token type = p.value("", true);
  const std::string kind = detail::lower(type.value);
  if (kind == "numeric" || kind == "real") {
    a.type = ColumnType::Float;
  } else if (kind == "integer") {
    a.type = ColumnType::Int;
  } else if (kind == "string" || kind == "date") {
    a.type = ColumnType::String;  // a date keeps its text (and any format after it is ignored)
    return a;
  } else if (kind == "relational") {
    p.fail(type_column, fmt::format("attribute '{}': relational attributes are not supported", a.name));
  } else {
    p.fail(type_column, fmt::format("unknown attribute type '{}' for attribute '{}' (expected numeric, real, "
                                    "integer, string, date or {{nominal values}})",
                                    type.value, a.name));
  }
  if (!p.done())
    p.fail(p.column(),
           fmt::format("unexpected text '{}' after the type of attribute '{}'", p.rest(), a.name));
  return a;
}

}  // namespace

Table parse_arff(std::string_view text, const ArffOptions& options, const std::string& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<Attribute> attributes;
  bool in_data = false, any_content = false;
  std::vector<std::vector<std::string>> values;
  std::vector<std::vector<uint8_t>> missing;

  size_t pos = 0;
  int64_t line_number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view trimmed = detail::trim(line);
    if (trimmed.empty() || trimmed.front() == '%') continue;
    any_content = true;
    LineParser p(line, line_number, source);
    if (!in_data) {
      p.skip_space();
      const int64_t keyword_column = p.column();
      Token keyword = p.value("", true);
      const std::string k = detail::lower(keyword.value);
      if (k == "@relation") {
        continue;
      } else if (k == "@attribute") {
        Attribute a = parse_attribute(p);
        for (const auto& other : attributes) {
          if (other.name == a.name)
            p.fail(keyword_column, fmt::format("attribute '{}' is declared twice", a.name));
        }
        attributes.push_back(std::move(a));
      } else if (k == "@data") {
        if (attributes.empty()) p.fail(keyword_column, "@data comes before any @attribute");
        in_data = true;
        values.resize(attributes.size());
        missing.resize(attributes.size());
      } else {
        p.fail(keyword_column,
               fmt::format("expected @relation, @attribute or @data, got '{}'", keyword.value));
      }
      continue;
    }
    p.skip_space();
    if (p.rest().front() == '{') {
      p.fail(p.column(),
             "sparse ARFF data ({index value, ...} rows) is not supported; convert the file to dense rows");
    }
    std::vector<Token> fields = p.list(0);
    if (fields.size() != attributes.size()) {
      const int64_t col = fields.size() > attributes.size() ? fields[attributes.size()].column
                                                            : static_cast<int64_t>(line.size()) + 1;
      p.fail(col, fmt::format("the row has {} values but {} attributes are declared{}", fields.size(),
                              attributes.size(),
                              fields.size() < attributes.size() ? fmt::format(" (attribute '{}' is missing)",
                                                                              attributes[fields.size()].name)
                                                                : ""));
    }
    for (size_t j = 0; j < fields.size(); ++j) {
      Token& f = fields[j];
      const Attribute& a = attributes[j];
      const bool is_missing = !f.quoted && (f.value == "?" || f.value.empty());
      if (!is_missing) {
        const auto bad = [&](const char* what) {
          p.fail(f.column,
                 fmt::format("attribute {} ('{}'): cannot parse '{}' as {}", j + 1, a.name, f.value, what));
        };
        if (a.type == ColumnType::Float && !detail::parse_float(f.value)) bad("a number");
        if (a.type == ColumnType::Int && !detail::parse_int(f.value)) bad("an integer");
        if (a.type == ColumnType::Category && !a.level_index.count(f.value)) {
          p.fail(f.column, fmt::format("attribute {} ('{}'): '{}' is not one of the declared values {{{}}}",
                                       j + 1, a.name, f.value, fmt::join(a.levels, ",")));
        }
      }
      values[j].push_back(is_missing ? std::string() : std::move(f.value));
      missing[j].push_back(is_missing);
    }
  }
  if (!any_content) STRATA_FAIL("read_arff: {}: line 1, column 1: the file is empty", source);
  if (!in_data) {
    STRATA_FAIL("read_arff: {}: line {}, column 1: no @data section (the file ends after the header)", source,
                line_number);
  }

  Table table;
  for (size_t j = 0; j < attributes.size(); ++j) {
    Attribute& a = attributes[j];
    const size_t n = values[j].size();
    Column c;
    switch (a.type) {
      case ColumnType::Float: {
        std::vector<double> v(n);
        for (size_t i = 0; i < n; ++i) v[i] = missing[j][i] ? 0.0 : *detail::parse_float(values[j][i]);
        c = Column::from_floats(a.name, std::move(v), std::move(missing[j]));
        break;
      }
      case ColumnType::Int: {
        std::vector<int64_t> v(n);
        for (size_t i = 0; i < n; ++i) v[i] = missing[j][i] ? 0 : *detail::parse_int(values[j][i]);
        c = Column::from_ints(a.name, std::move(v), std::move(missing[j]));
        break;
      }
      case ColumnType::Category: {
        std::vector<int64_t> codes(n);
        for (size_t i = 0; i < n; ++i) codes[i] = missing[j][i] ? 0 : a.level_index.at(values[j][i]);
        c = Column::from_codes(a.name, std::move(codes), std::move(a.levels), std::move(missing[j]));
        break;
      }
      default:
        c = Column::from_strings(a.name, std::move(values[j]), std::move(missing[j]));
        break;
    }
    if (auto it = options.types.find(a.name); it != options.types.end()) {
      try {
        c = c.cast(it->second);
      } catch (const Error& e) {
        STRATA_FAIL("read_arff: {}: attribute {} ('{}'): {}", source, j + 1, a.name, e.what());
      }
    }
    table.add_column(std::move(c));
  }
  for (const auto& [name, type] : options.types) {
    STRATA_CHECK(table.has_column(name),
                 "read_arff: {}: a type is given for attribute '{}' but the file has no such attribute",
                 source, name);
  }
  return table;
}

Table read_arff(const std::string& path, const ArffOptions& options) {
  return parse_arff(detail::read_text_file(path, "read_arff"), options, path);
}

}  // namespace strata::data::table
