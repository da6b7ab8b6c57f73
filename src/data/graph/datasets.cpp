#include "strata/data/graph/datasets.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "data/graph/lz4_frame.h"
#include "strata/core/factory.h"

namespace strata::data::graph {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "cannot open '{}'", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One stanza of a Packages file: the fields graph building needs.
struct Package {
  std::string name, section, description;
  std::vector<std::string> depends;
};

// Package names of a Depends-style field: "a (>= 1), b | c:any, d [arch]" -> a, b, c, d.
void add_dependencies(const std::string& value, std::vector<std::string>& out) {
  std::string cur;
  bool skipping = false;  // inside (...) or [...] or after the name
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
    skipping = false;
  };
  for (char c : value) {
    if (c == ',' || c == '|') {
      flush();
    } else if (c == '(' || c == '[' || c == ':' || c == ' ' || c == '<') {
      if (!cur.empty()) skipping = true;
    } else if (!skipping && c != ')' && c != ']' && c != '\t' && c != '\n') {
      cur += c;
    }
  }
  flush();
}

void parse_packages(const std::string& text, const std::string& source, std::vector<Package>& out,
                    bool recommends) {
  Package p;
  std::string field;  // the field a continuation line belongs to
  int line_no = 0, stanza_line = 1;
  auto finish = [&] {
    if (!p.name.empty()) {
      out.push_back(std::move(p));
    }
    p = Package();
  };
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + at, end - at);
    ++line_no;
    at = end + 1;
    if (line.empty()) {
      finish();
      stanza_line = line_no + 1;
      if (end == text.size()) break;
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') continue;  // continuation (long fields): not needed
    const size_t colon = line.find(':');
    STRATA_CHECK(colon != std::string_view::npos,
                 "{}:{}: expected 'Field: value' in the stanza starting at line {}", source, line_no,
                 stanza_line);
    field = std::string(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    if (field == "Package") {
      p.name = value;
    } else if (field == "Section") {
      const size_t slash = value.rfind('/');
      p.section = slash == std::string::npos ? value : value.substr(slash + 1);
    } else if (field == "Description") {
      p.description = value;
    } else if (field == "Depends" || field == "Pre-Depends" || (recommends && field == "Recommends")) {
      add_dependencies(value, p.depends);
    }
    if (end == text.size()) break;
  }
  finish();
}

std::vector<std::string> words_of(const std::string& text) {
  static const std::set<std::string> stop = {"the",  "and", "for",  "with", "from", "that", "this", "are",
                                             "into", "its", "your", "you",  "via",  "all",  "any",  "not"};
  std::vector<std::string> out;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      if (w.size() >= 3 && !std::isdigit(static_cast<unsigned char>(w[0])) && !stop.count(w))
        out.push_back(w);
      w.clear();
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Graph karate_club(const std::string& path) {
  std::ifstream probe(path);
  STRATA_CHECK(probe.good(),
               "karate_club: cannot open '{}': Zachary's karate club comes from Debian's python3-networkx "
               "(apt-get install python3-networkx)",
               path);
  const std::string text = slurp(path);
  const auto fail = [&](const std::string& what) {
    STRATA_FAIL("karate_club: {} in '{}' (python3-networkx's layout changed?)", what, path);
  };
  const size_t club = text.find("club1 = {");
  if (club == std::string::npos) fail("no 'club1 = {...}' faction set");
  const size_t club_end = text.find('}', club);
  std::vector<int64_t> officer_free;
  {
    std::string set = text.substr(club + 9, club_end - club - 9);
    std::replace(set.begin(), set.end(), ',', ' ');
    std::istringstream in(set);
    for (int64_t v; in >> v;) officer_free.push_back(v);
  }
  const size_t dat = text.find("zacharydat = \"\"\"\\\n");
  if (dat == std::string::npos) fail("no 'zacharydat' adjacency text");
  const size_t begin = dat + std::string("zacharydat = \"\"\"\\\n").size();
  const size_t dat_end = text.find("\"\"\"", begin);
  if (dat_end == std::string::npos) fail("an unterminated 'zacharydat' text");
  std::istringstream rows(text.substr(begin, dat_end - begin));
  std::vector<std::vector<int64_t>> adj;
  for (std::string line; std::getline(rows, line);) {
    std::istringstream in(line);
    adj.emplace_back();
    for (int64_t v; in >> v;) adj.back().push_back(v);
  }
  const auto n = static_cast<int64_t>(adj.size());
  if (n != 34) fail(fmt::format("{} adjacency rows instead of 34", n));
  std::vector<int64_t> src, dst;
  for (int64_t r = 0; r < n; ++r) {
    if (static_cast<int64_t>(adj[static_cast<size_t>(r)].size()) != n)
      fail(fmt::format("row {} is not 34 wide", r));
    for (int64_t c = 0; c < n; ++c)
      if (adj[static_cast<size_t>(r)][static_cast<size_t>(c)] > 0) {
        src.push_back(r);
        dst.push_back(c);
      }
  }
  std::vector<int64_t> all(src);
  all.insert(all.end(), dst.begin(), dst.end());
  Graph g;
  g.edge_index = to_undirected(from_vector<int64_t>(all, {2, static_cast<int64_t>(src.size())}), n);
  g.x = eye(n);
  std::vector<int64_t> y(static_cast<size_t>(n), 1);
  for (int64_t v : officer_free) {
    if (v < 0 || v >= n) fail(fmt::format("faction member {} outside 0..33", v));
    y[static_cast<size_t>(v)] = 0;
  }
  g.y = from_vector<int64_t>(y);
  std::vector<uint8_t> train(static_cast<size_t>(n), 0), test(static_cast<size_t>(n), 1);
  for (int64_t leader : {int64_t{0}, n - 1}) {
    train[static_cast<size_t>(leader)] = 1;
    test[static_cast<size_t>(leader)] = 0;
  }
  g.train_mask = from_vector<uint8_t>(train);
  g.val_mask = zeros({n}, {.dtype = kUInt8});
  g.test_mask = from_vector<uint8_t>(test);
  g.class_names = {"Mr. Hi", "Officer"};
  for (int64_t i = 0; i < n; ++i) g.node_names.push_back(std::to_string(i));
  return g;
}

Graph debian_packages(const DebianPackagesOptions& options) {
  namespace fs = std::filesystem;
  STRATA_CHECK(options.vocab_size > 0 && options.num_sections > 1,
               "debian_packages: vocab_size ({}) must be positive and num_sections ({}) at least 2",
               options.vocab_size, options.num_sections);
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.lists_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("_Packages") || name.ends_with("_Packages.lz4"))
      files.push_back(entry.path().string());
  }
  STRATA_CHECK(!ec && !files.empty(),
               "debian_packages: no *_Packages(.lz4) lists in '{}' (run apt-get update to fetch them)",
               options.lists_dir);
  std::sort(files.begin(), files.end());
  std::vector<Package> all;
  for (const auto& f : files) {
    const std::string raw = slurp(f);
    parse_packages(f.ends_with(".lz4") ? detail::lz4_frame_decompress(raw, f) : raw, f, all,
                   options.recommends);
  }
  // One node per package name (the first list that has it), in the num_sections largest sections.
  std::unordered_map<std::string, size_t> first;
  std::vector<Package> pkgs;
  for (auto& p : all)
    if (!p.section.empty() && first.emplace(p.name, pkgs.size()).second) pkgs.push_back(std::move(p));
  std::map<std::string, int64_t> section_size;
  for (const auto& p : pkgs) ++section_size[p.section];
  std::vector<std::pair<int64_t, std::string>> by_size;
  for (const auto& [s, c] : section_size) by_size.push_back({-c, s});
  std::sort(by_size.begin(), by_size.end());
  STRATA_CHECK(static_cast<int64_t>(by_size.size()) >= options.num_sections,
               "debian_packages: the lists have {} sections, fewer than num_sections {}", by_size.size(),
               options.num_sections);
  std::map<std::string, int64_t> label;
  Graph g;
  for (int64_t k = 0; k < options.num_sections; ++k) {
    label[by_size[static_cast<size_t>(k)].second] = k;
    g.class_names.push_back(by_size[static_cast<size_t>(k)].second);
  }
  std::unordered_map<std::string, int64_t> id;
  std::vector<int64_t> y;
  for (const auto& p : pkgs)
    if (label.count(p.section)) {
      id.emplace(p.name, static_cast<int64_t>(g.node_names.size()));
      g.node_names.push_back(p.name);
      y.push_back(label[p.section]);
    }
  const auto n = static_cast<int64_t>(g.node_names.size());
  // Edges and description words.
  std::vector<int64_t> src, dst;
  std::vector<std::vector<std::string>> words;
  std::unordered_map<std::string, int64_t> df;
  for (const auto& p : pkgs) {
    auto it = id.find(p.name);
    if (it == id.end()) continue;
    for (const auto& d : p.depends)
      if (auto jt = id.find(d); jt != id.end()) {
        src.push_back(it->second);
        dst.push_back(jt->second);
      }
    words.push_back(words_of(p.description));
    for (const auto& w : words.back()) ++df[w];
  }
  std::vector<std::pair<int64_t, std::string>> vocab;
  for (const auto& [w, c] : df) vocab.push_back({-c, w});
  std::sort(vocab.begin(), vocab.end());
  vocab.resize(std::min<size_t>(vocab.size(), static_cast<size_t>(options.vocab_size)));
  std::unordered_map<std::string, int64_t> column;
  for (size_t k = 0; k < vocab.size(); ++k) column[vocab[k].second] = static_cast<int64_t>(k);
  const auto f = static_cast<int64_t>(options.vocab_size);
  g.x = zeros({n, f});
  float* x = g.x.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> cols;
    for (const auto& w : words[static_cast<size_t>(i)])
      if (auto c = column.find(w); c != column.end()) cols.push_back(c->second);
    for (int64_t c : cols) x[i * f + c] = 1.0f / static_cast<float>(cols.size());
  }
  std::vector<int64_t> e(src);
  e.insert(e.end(), dst.begin(), dst.end());
  g.edge_index = to_undirected(from_vector<int64_t>(e, {2, static_cast<int64_t>(src.size())}), n);
  g.y = from_vector<int64_t>(y);
  stratified_masks(g, options.train_fraction, options.val_fraction, options.seed);
  return g;
}

}  // namespace strata::data::graph
