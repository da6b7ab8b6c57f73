// WordNet's dictionary format (wndb(5)): index.<pos> lines are
//   lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
// and data.<pos> lines, found by byte offset, are
//   synset_offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id...] p_cnt ... | gloss
// Licence lines at the top of each file start with two spaces.
#include "strata/data/text/wordnet.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/core/error.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

constexpr const char* kPosNames[4] = {"noun", "verb", "adj", "adv"};

std::string read_all(const std::string& path) {
  STRATA_CHECK(std::filesystem::exists(path),
               "WordNet: {} is missing; install the Debian package wordnet-base (make deps does) or point "
               "STRATA_WORDNET at a folder holding WordNet's index.* and data.* files",
               path);
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "WordNet: cannot open {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits a line into space-separated fields (views into the line).
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const size_t start = pos;
    while (pos < line.size() && line[pos] != ' ') ++pos;
    if (pos > start) out.push_back(line.substr(start, pos - start));
  }
}

template <typename T>
bool parse_number(std::string_view s, T& out, int base = 10) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// "word_form(a)" -> "word form"; lower-cased.
std::string clean_lemma(std::string_view w) {
  if (const size_t paren = w.find('('); paren != std::string_view::npos) w = w.substr(0, paren);
  std::string out = ascii_lower(w);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

// Lower-cased, spaces as underscores: the form index files use.
std::string index_key(std::string_view w) {
  std::string out = ascii_lower(w);
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

}  // namespace

std::string WordNet::default_dir() {
  if (const char* env = std::getenv("STRATA_WORDNET")) return env;
  return "/usr/share/wordnet";
}

std::shared_ptr<const WordNet> WordNet::load(const std::string& dir) {
  auto wn = std::shared_ptr<WordNet>(new WordNet());
  wn->dir_ = dir.empty() ? default_dir() : dir;
  std::vector<std::string_view> fields;
  for (uint8_t p = 0; p < 4; ++p) {
    const std::string index_path = wn->dir_ + "/index." + kPosNames[p];
    const std::string index = read_all(index_path);
    wn->data_[p] = read_all(wn->dir_ + "/data." + kPosNames[p]);
    const auto data_size = wn->data_[p].size();
    std::string_view rest(index);
    int64_t line_no = 0;
    while (!rest.empty()) {
      const size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++line_no;
      if (line.empty() || line[0] == ' ') continue;
      split_fields(line, fields);
      size_t synsets = 0, pointers = 0;
      const bool ok = fields.size() >= 4 && parse_number(fields[2], synsets) &&
                      parse_number(fields[3], pointers) && fields.size() == 4 + pointers + 2 + synsets;
      STRATA_CHECK(ok, "WordNet: {} line {} is not a valid index entry", index_path, line_no);
      auto& senses = wn->index_[std::string(fields[0])];
      for (size_t s = fields.size() - synsets; s < fields.size(); ++s) {
        uint32_t offset = 0;
        STRATA_CHECK(parse_number(fields[s], offset) && offset < data_size,
                     "WordNet: {} line {} points at offset {} outside data.{} ({} bytes)", index_path,
                     line_no, fields[s], kPosNames[p], data_size);
        senses.push_back({p, offset});
      }
    }
  }
  STRATA_CHECK(!wn->index_.empty(), "WordNet: the index files in {} hold no lemmas", wn->dir_);
  return wn;
}

bool WordNet::contains(std::string_view word) const { return index_.find(index_key(word)) != index_.end(); }

std::vector<std::string> WordNet::synonyms(std::string_view word) const {
  const std::string key = index_key(word);
  auto it = index_.find(key);
  if (it == index_.end()) return {};
  const std::string self = clean_lemma(key);
  std::vector<std::string> out;
  std::vector<std::string_view> fields;
  for (const Sense& s : it->second) {
    const std::string& data = data_[s.pos];
    const size_t end = data.find('\n', s.offset);
    const std::string_view line(data.data() + s.offset,
                                (end == std::string::npos ? data.size() : end) - s.offset);
    split_fields(line.substr(0, line.find('|')), fields);
    uint32_t offset = 0;
    size_t words = 0;
    const bool ok = fields.size() >= 4 && parse_number(fields[0], offset) && offset == s.offset &&
                    parse_number(fields[3], words, 16) && fields.size() >= 4 + 2 * words;
    STRATA_CHECK(ok, "WordNet: {}/data.{} has no synset line at offset {} (the files do not match)", dir_,
                 kPosNames[s.pos], s.offset);
    for (size_t w = 0; w < words; ++w) {
      std::string lemma = clean_lemma(fields[4 + 2 * w]);
      if (lemma != self) out.push_back(std::move(lemma));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace strata::data::text
