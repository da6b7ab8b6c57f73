#include "strata/data/graph/readers.h"

#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "strata/core/factory.h"

namespace strata::data::graph {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "cannot open graph file '{}'", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names -> ids in order of first appearance, and the edges between them.
struct EdgeBuilder {
  std::map<std::string, int64_t> ids;
  std::vector<std::string> names;
  std::vector<int64_t> src, dst;

  int64_t id(const std::string& name) {
    auto [it, added] = ids.try_emplace(name, static_cast<int64_t>(names.size()));
    if (added) names.push_back(name);
    return it->second;
  }
  void add(const std::string& s, const std::string& t) {
    src.push_back(id(s));
    dst.push_back(id(t));
  }
  Graph build(bool undirected) const {
    std::vector<int64_t> all(src);
    all.insert(all.end(), dst.begin(), dst.end());
    Graph g;
    const auto n = static_cast<int64_t>(names.size());
    g.edge_index = from_vector<int64_t>(all, {2, static_cast<int64_t>(src.size())});
    if (undirected) g.edge_index = to_undirected(g.edge_index, n);
    g.node_names = names;
    g.x = ones({n, 1});
    return g;
  }
};

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  out.push_back(cell);
  for (auto& s : out) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  return out;
}

// GML tokens with their line numbers: words, numbers, quoted strings, '[' and ']'.
struct Token {
  std::string text;
  int line;
  bool quoted;
};

std::vector<Token> tokenize_gml(std::string_view text, const std::string& source) {
  std::vector<Token> out;
  int line = 1;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '[' || c == ']') {
      out.push_back({std::string(1, c), line, false});
      ++i;
    } else if (c == '"') {
      const int start = line;
      size_t j = i + 1;
      while (j < text.size() && text[j] != '"') line += text[j++] == '\n';
      STRATA_CHECK(j < text.size(), "{}:{}: unterminated string", source, start);
      out.push_back({std::string(text.substr(i + 1, j - i - 1)), start, true});
      i = j + 1;
    } else {
      size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != '[' &&
             text[j] != ']')
        ++j;
      out.push_back({std::string(text.substr(i, j - i)), line, false});
      i = j;
    }
  }
  return out;
}

}  // namespace

Graph parse_edge_list(std::string_view text, const EdgeListOptions& options, const std::string& source) {
  EdgeBuilder b;
  std::istringstream in{std::string(text)};
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const auto words = split_ws(line);
    if (words.empty()) continue;
    STRATA_CHECK(words.size() == 2 || words.size() == 3,
                 "{}:{}: expected 'source target [weight]', got {} fields", source, line_no, words.size());
    b.add(words[0], words[1]);
  }
  STRATA_CHECK(!b.names.empty(), "{}: no edges", source);
  return b.build(options.undirected);
}

Graph read_edge_list(const std::string& path, const EdgeListOptions& options) {
  return parse_edge_list(slurp(path), options, path);
}

Graph parse_edge_csv(std::string_view text, const EdgeListOptions& options, const std::string& source) {
  std::istringstream in{std::string(text)};
  std::string header;
  STRATA_CHECK(static_cast<bool>(std::getline(in, header)), "{}: empty file (expected a header line)",
               source);
  const auto cols = split_csv(header);
  int s_col = -1, t_col = -1;
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c] == "source") s_col = static_cast<int>(c);
    if (cols[c] == "target") t_col = static_cast<int>(c);
  }
  STRATA_CHECK(s_col >= 0 && t_col >= 0, "{}:1: the header must name columns 'source' and 'target', got '{}'",
               source, header);
  EdgeBuilder b;
  int line_no = 1;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto cells = split_csv(line);
    STRATA_CHECK(cells.size() == cols.size(), "{}:{}: {} fields, the header has {}", source, line_no,
                 cells.size(), cols.size());
    const auto& s = cells[static_cast<size_t>(s_col)];
    const auto& t = cells[static_cast<size_t>(t_col)];
    STRATA_CHECK(!s.empty() && !t.empty(), "{}:{}: empty source or target", source, line_no);
    b.add(s, t);
  }
  STRATA_CHECK(!b.names.empty(), "{}: no edges", source);
  return b.build(options.undirected);
}

Graph read_edge_csv(const std::string& path, const EdgeListOptions& options) {
  return parse_edge_csv(slurp(path), options, path);
}

Graph parse_gml(std::string_view text, const std::string& source) {
  const auto tokens = tokenize_gml(text, source);
  size_t i = 0;
  auto expect = [&](const char* what) -> const Token& {
    STRATA_CHECK(i < tokens.size(), "{}: unexpected end of file, expected {}", source, what);
    return tokens[i++];
  };
  // Reads a [ key value ... ] block into key -> (value, line), skipping nested blocks it does not know.
  auto block = [&](const char* name) {
    const Token& open = expect("'['");
    STRATA_CHECK(open.text == "[" && !open.quoted, "{}:{}: expected '[' after '{}', got '{}'", source,
                 open.line, name, open.text);
    std::map<std::string, std::pair<std::string, int>> kv;
    while (true) {
      const Token& key = expect("']'");
      if (key.text == "]" && !key.quoted) break;
      const Token& value = expect("a value");
      if (value.text == "[" && !value.quoted) {  // nested block (graphics etc.): skip
        int depth = 1;
        while (depth > 0) {
          const Token& t = expect("']'");
          depth += t.text == "[" ? 1 : t.text == "]" ? -1 : 0;
        }
        continue;
      }
      kv[key.text] = {value.text, value.line};
    }
    return kv;
  };
  const Token& g = expect("'graph'");
  STRATA_CHECK(g.text == "graph", "{}:{}: expected 'graph', got '{}'", source, g.line, g.text);
  const Token& open = expect("'['");
  STRATA_CHECK(open.text == "[", "{}:{}: expected '[' after 'graph', got '{}'", source, open.line, open.text);
  bool directed = false;
  std::map<std::string, int64_t> ids;
  std::vector<std::string> names;
  std::vector<int64_t> src, dst;
  auto to_int = [&](const std::pair<std::string, int>& v, const char* field) {
    try {
      size_t used = 0;
      const int64_t r = std::stoll(v.first, &used);
      STRATA_CHECK(used == v.first.size(), "trailing");
      return r;
    } catch (...) {
      STRATA_FAIL("{}:{}: field '{}' must be an integer, got '{}'", source, v.second, field, v.first);
    }
  };
  while (true) {
    const Token& key = expect("']' closing 'graph'");
    if (key.text == "]") break;
    if (key.text == "node") {
      auto kv = block("node");
      STRATA_CHECK(kv.count("id"), "{}:{}: node without 'id'", source, key.line);
      const std::string id = kv["id"].first;
      STRATA_CHECK(ids.emplace(id, static_cast<int64_t>(names.size())).second,
                   "{}:{}: node id {} declared twice", source, kv["id"].second, id);
      (void)to_int(kv["id"], "id");
      names.push_back(kv.count("label") ? kv["label"].first : id);
    } else if (key.text == "edge") {
      auto kv = block("edge");
      for (const char* f : {"source", "target"}) {
        STRATA_CHECK(kv.count(f), "{}:{}: edge without '{}'", source, key.line, f);
        const auto& v = kv[f];
        (void)to_int(v, f);
        STRATA_CHECK(ids.count(v.first), "{}:{}: edge {} {} is not a declared node", source, v.second, f,
                     v.first);
      }
      src.push_back(ids[kv["source"].first]);
      dst.push_back(ids[kv["target"].first]);
    } else {
      const Token& value = expect("a value");
      if (key.text == "directed") directed = value.text == "1";
      if (value.text == "[") {
        int depth = 1;
        while (depth > 0) {
          const Token& t = expect("']'");
          depth += t.text == "[" ? 1 : t.text == "]" ? -1 : 0;
        }
      }
    }
  }
  STRATA_CHECK(!names.empty(), "{}: the graph has no nodes", source);
  std::vector<int64_t> all(src);
  all.insert(all.end(), dst.begin(), dst.end());
  Graph out;
  const auto n = static_cast<int64_t>(names.size());
  out.edge_index = from_vector<int64_t>(all, {2, static_cast<int64_t>(src.size())});
  if (!directed) out.edge_index = to_undirected(out.edge_index, n);
  out.node_names = names;
  out.x = ones({n, 1});
  return out;
}

Graph read_gml(const std::string& path) { return parse_gml(slurp(path), path); }

}  // namespace strata::data::graph
