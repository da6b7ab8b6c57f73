#include "strata/data/text/de_en.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "strata/core/error.h"

namespace strata::data::text {
namespace {

// Splits s at every occurrence of sep.
std::vector<std::string_view> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
}

// Upper-case letters: ASCII A-Z and the UTF-8 upper-case letters of German (Ä Ö Ü) and the Latin-1
// capitals (U+00C0..U+00DE without U+00D7) that names use.
bool starts_upper(std::string_view s) {
  const auto c0 = static_cast<unsigned char>(s[0]);
  if ((c0 >= 'A' && c0 <= 'Z') || (c0 >= '0' && c0 <= '9') || c0 == '"' || c0 == '\'') return true;
  if (c0 == 0xC3 && s.size() > 1) {
    const auto c1 = static_cast<unsigned char>(s[1]);
    return c1 >= 0x80 && c1 <= 0x9E && c1 != 0x97;
  }
  // Opening typographic quotes „ (E2 80 9E) and “ (E2 80 9C).
  return s.size() > 2 && c0 == 0xE2 && static_cast<unsigned char>(s[1]) == 0x80 &&
         (static_cast<unsigned char>(s[2]) == 0x9E || static_cast<unsigned char>(s[2]) == 0x9C);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string de_en_path() {
  if (const char* env = std::getenv("STRATA_DE_EN")) return env;
  return "/usr/share/trans/de-en";
}

std::string strip_annotations(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char close = 0;           // the bracket that ends the annotation being skipped, or 0
  bool after_note = false;  // an annotation was dropped since the last kept character
  for (const char c : text) {
    if (close != 0) {
      if (c == close) {
        close = 0;
        after_note = true;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      close = c == '{' ? '}' : ']';
      continue;
    }
    const bool space = c == ' ' || c == '\t';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    // "Wort {f} ." and "Wort {f}; ..." lose the space the annotation left before the mark.
    const bool mark = c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
    if (mark && after_note && !out.empty() && out.back() == ' ') out.pop_back();
    out.push_back(c);
    after_note = false;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool is_sentence(std::string_view text, int64_t min_words) {
  if (text.empty() || !starts_upper(text)) return false;
  const char last = text.back();
  if (last != '.' && last != '!' && last != '?') return false;
  if (text.find(';') != std::string_view::npos) return false;
  int64_t words = 1;
  for (const char c : text) words += c == ' ' ? 1 : 0;
  return words >= min_words;
}

std::vector<SentencePair> parse_de_en(std::string_view text, const DeEnOptions& options,
                                      const std::string& source) {
  STRATA_CHECK(options.min_words >= 1, "parse_de_en: min_words must be at least 1, got {}",
               options.min_words);
  std::vector<SentencePair> pairs;
  std::set<std::pair<std::string, std::string>> seen;
  size_t pos = 0;
  int64_t line_no = 0, entries = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const size_t sep = line.find(" :: ");
    if (sep == std::string_view::npos) continue;  // a few lines are headings without a translation
    ++entries;
    const auto de = split_on(line.substr(0, sep), " | ");
    const auto en = split_on(line.substr(sep + 4), " | ");
    if (de.size() != en.size()) continue;  // unaligned entry: no way to pair its sub-entries
    for (size_t i = 0; i < de.size(); ++i) {
      std::string d = strip_annotations(de[i]);
      std::string e = strip_annotations(en[i]);
      if (!is_sentence(d, options.min_words) || !is_sentence(e, options.min_words)) continue;
      if (!seen.emplace(d, e).second) continue;
      pairs.push_back({std::move(d), std::move(e)});
    }
  }
  STRATA_CHECK(entries > 0, "parse_de_en: {} holds no `German :: English` lines ({} lines read)", source,
               line_no);
  return pairs;
}

std::vector<SentencePair> load_de_en_sentences(const std::string& path, const DeEnOptions& options) {
  const std::string file = path.empty() ? de_en_path() : path;
  STRATA_CHECK(std::filesystem::exists(file),
               "de-en: {} is missing; install the Debian package trans-de-en (make deps does) or point "
               "STRATA_DE_EN at the dictionary file",
               file);
  std::ifstream in(file, std::ios::binary);
  STRATA_CHECK(in.good(), "de-en: cannot open {}", file);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_de_en(ss.str(), options, file);
}

TranslationSplits split_translation_pairs(const std::vector<SentencePair>& pairs, double valid_fraction,
                                          double test_fraction) {
  STRATA_CHECK(valid_fraction >= 0 && test_fraction >= 0 && valid_fraction + test_fraction < 1,
               "split_translation_pairs: valid_fraction {} and test_fraction {} must be >= 0 and sum below 1",
               valid_fraction, test_fraction);
  TranslationSplits s;
  for (const auto& p : pairs) {
    const double u = static_cast<double>(fnv1a(p.source) % 1000000) / 1e6;
    if (u < test_fraction) {
      s.test.push_back(p);
    } else if (u < test_fraction + valid_fraction) {
      s.valid.push_back(p);
    } else {
      s.train.push_back(p);
    }
  }
  return s;
}

}  // namespace strata::data::text
