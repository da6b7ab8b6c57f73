#include "strata/data/text/augment.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "data/shuffle.h"
#include "strata/core/factory.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

// Uniform double in [0, 1) from 53 random bits.
double uniform(Generator& gen) { return static_cast<double>(gen.engine()() >> 11) * 0x1.0p-53; }

size_t pick(Generator& gen, size_t n) { return static_cast<size_t>(detail::bounded(gen.engine(), n)); }

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    const size_t start = pos;
    while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos > start) words.emplace_back(text.substr(start, pos - start));
  }
  return words;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

// A word EDA may look up: ASCII letters (apostrophes and hyphens inside allowed), not a stop word.
bool replaceable(const std::string& word) {
  if (word.size() < 2) return false;
  for (char c : word) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '\'' && c != '-') return false;
  }
  return !is_stop_word(ascii_lower(word));
}

// The synonym with the original's leading capital, if it had one.
std::string match_case(std::string synonym, const std::string& original) {
  if (!original.empty() && std::isupper(static_cast<unsigned char>(original[0])) && !synonym.empty()) {
    synonym[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(synonym[0])));
  }
  return synonym;
}

int64_t count_for(double alpha, size_t words) {
  return std::max<int64_t>(1, std::llround(alpha * static_cast<double>(words)));
}

}  // namespace

bool is_stop_word(std::string_view word) {
  static const std::unordered_set<std::string_view> stop = {
      "a",      "about",  "above", "after",  "again",    "against",    "all",  "am",
      "an",     "and",    "any",   "are",    "as",       "at",         "be",   "because",
      "been",   "before", "being", "below",  "between",  "both",       "but",  "by",
      "can",    "could",  "did",   "do",     "does",     "doing",      "down", "during",
      "each",   "few",    "for",   "from",   "further",  "had",        "has",  "have",
      "having", "he",     "her",   "here",   "hers",     "herself",    "him",  "himself",
      "his",    "how",    "i",     "if",     "in",       "into",       "is",   "it",
      "its",    "itself", "just",  "me",     "more",     "most",       "my",   "myself",
      "no",     "nor",    "not",   "now",    "of",       "off",        "on",   "once",
      "only",   "or",     "other", "our",    "ours",     "ourselves",  "out",  "over",
      "own",    "same",   "she",   "should", "so",       "some",       "such", "than",
      "that",   "the",    "their", "theirs", "them",     "themselves", "then", "there",
      "these",  "they",   "this",  "those",  "through",  "to",         "too",  "under",
      "until",  "up",     "very",  "was",    "we",       "were",       "what", "when",
      "where",  "which",  "while", "who",    "whom",     "why",        "will", "with",
      "would",  "you",    "your",  "yours",  "yourself", "yourselves"};
  return stop.count(word) > 0;
}

std::vector<std::string> synonym_replacement(const std::vector<std::string>& words, int64_t n,
                                             const WordNet& wordnet, Generator& gen) {
  STRATA_CHECK(n >= 0, "synonym_replacement: n must be >= 0, got {}", n);
  std::vector<std::string> out = words;
  // Distinct candidates in first-seen order, then shuffled: the order depends only on the generator.
  std::vector<std::string> candidates;
  std::unordered_set<std::string> seen;
  for (const auto& w : words) {
    const std::string lw = ascii_lower(w);
    if (replaceable(w) && seen.insert(lw).second) candidates.push_back(lw);
  }
  for (size_t i = candidates.size(); i > 1; --i) std::swap(candidates[i - 1], candidates[pick(gen, i)]);
  int64_t replaced = 0;
  for (const auto& cand : candidates) {
    if (replaced >= n) break;
    const std::vector<std::string> syns = wordnet.synonyms(cand);
    if (syns.empty()) continue;
    const std::string& chosen = syns[pick(gen, syns.size())];
    for (auto& w : out) {
      if (ascii_lower(w) == cand) w = match_case(chosen, w);
    }
    ++replaced;
  }
  return out;
}

std::vector<std::string> random_insertion(const std::vector<std::string>& words, int64_t n,
                                          const WordNet& wordnet, Generator& gen) {
  STRATA_CHECK(n >= 0, "random_insertion: n must be >= 0, got {}", n);
  std::vector<std::string> out = words;
  if (out.empty()) return out;
  for (int64_t k = 0; k < n; ++k) {
    // As in EDA: try a few random words for one that has synonyms.
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::string& w = out[pick(gen, out.size())];
      if (!replaceable(w)) continue;
      const std::vector<std::string> syns = wordnet.synonyms(ascii_lower(w));
      if (syns.empty()) continue;
      std::string chosen = syns[pick(gen, syns.size())];
      const size_t at = pick(gen, out.size() + 1);
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), std::move(chosen));
      break;
    }
  }
  return out;
}

std::vector<std::string> random_swap(const std::vector<std::string>& words, int64_t n, Generator& gen) {
  STRATA_CHECK(n >= 0, "random_swap: n must be >= 0, got {}", n);
  std::vector<std::string> out = words;
  if (out.size() < 2) return out;
  for (int64_t k = 0; k < n; ++k) {
    const size_t i = pick(gen, out.size());
    size_t j = pick(gen, out.size() - 1);
    if (j >= i) ++j;  // a different position, uniformly
    std::swap(out[i], out[j]);
  }
  return out;
}

std::vector<std::string> random_deletion(const std::vector<std::string>& words, double p, Generator& gen) {
  STRATA_CHECK(p >= 0.0 && p <= 1.0, "random_deletion: p must be in [0, 1], got {}", p);
  if (words.size() <= 1) return words;
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (uniform(gen) >= p) out.push_back(w);
  }
  if (out.empty()) out.push_back(words[pick(gen, words.size())]);
  return out;
}

EDA::EDA(std::shared_ptr<const WordNet> wordnet, EDAOptions options)
    : wordnet_(std::move(wordnet)), options_(options) {
  for (const auto& [name, v] :
       {std::pair{"alpha_sr", options.alpha_sr}, std::pair{"alpha_ri", options.alpha_ri},
        std::pair{"alpha_rs", options.alpha_rs}, std::pair{"p_rd", options.p_rd}}) {
    STRATA_CHECK(v >= 0.0 && v <= 1.0, "EDA: {} must be in [0, 1], got {}", name, v);
  }
  STRATA_CHECK(
      wordnet_ != nullptr || (options.alpha_sr == 0 && options.alpha_ri == 0),
      "EDA: synonym replacement and insertion need a WordNet (set alpha_sr and alpha_ri to 0 without one)");
  STRATA_CHECK(options.alpha_sr > 0 || options.alpha_ri > 0 || options.alpha_rs > 0 || options.p_rd > 0,
               "EDA: every operation is turned off (alpha_sr, alpha_ri, alpha_rs and p_rd are all 0)");
}

std::string EDA::operator()(const std::string& text, Generator& gen) const {
  const std::vector<std::string> words = split_words(text);
  if (words.empty()) return text;
  int enabled[4];
  int n_enabled = 0;
  if (options_.alpha_sr > 0) enabled[n_enabled++] = 0;
  if (options_.alpha_ri > 0) enabled[n_enabled++] = 1;
  if (options_.alpha_rs > 0) enabled[n_enabled++] = 2;
  if (options_.p_rd > 0) enabled[n_enabled++] = 3;
  switch (enabled[pick(gen, static_cast<size_t>(n_enabled))]) {
    case 0:
      return join(synonym_replacement(words, count_for(options_.alpha_sr, words.size()), *wordnet_, gen));
    case 1:
      return join(random_insertion(words, count_for(options_.alpha_ri, words.size()), *wordnet_, gen));
    case 2:
      return join(random_swap(words, count_for(options_.alpha_rs, words.size()), gen));
    default:
      return join(random_deletion(words, options_.p_rd, gen));
  }
}

std::vector<std::string> EDA::augment(const std::string& text, int64_t n, Generator& gen) const {
  STRATA_CHECK(n >= 0, "EDA: the number of variants must be >= 0, got {}", n);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.push_back((*this)(text, gen));
  return out;
}

TextTransform EDA::transform() const {
  return [self = *this](const std::string& text, Generator& gen) { return self(text, gen); };
}

transforms::Transform eda_transform(std::shared_ptr<const EDA> eda,
                                    std::shared_ptr<const WordTokenizer> tokenizer, uint64_t seed) {
  STRATA_CHECK(eda != nullptr && tokenizer != nullptr, "eda_transform: eda and tokenizer must not be null");
  return [eda = std::move(eda), tokenizer = std::move(tokenizer), seed](const Tensor& ids) {
    STRATA_CHECK(ids.defined() && ids.dim() == 1 && ids.dtype() == kInt64,
                 "eda_transform: expected an i64 [L] word-id sequence, got {} of shape {}",
                 ids.defined() ? dtype_name(ids.dtype()) : "undefined",
                 ids.defined() ? ids.shape().str() : "[]");
    const std::vector<int64_t> v = ids.to_vector<int64_t>();
    uint64_t h = detail::mix64(seed);
    for (int64_t id : v) h = detail::mix64(h ^ static_cast<uint64_t>(id));
    Generator gen(h);
    return tokenizer->encode_tensor((*eda)(tokenizer->decode(v), gen));
  };
}

}  // namespace strata::data::text
