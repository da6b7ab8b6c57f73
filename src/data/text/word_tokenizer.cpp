#include "strata/data/text/word_tokenizer.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "strata/core/factory.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_punct(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && !is_alnum(c);
}

}  // namespace

WordTokenizer::WordTokenizer(WordTokenizerOptions options) : options_(std::move(options)) {}

WordTokenizer::WordTokenizer(Vocab vocab, WordTokenizerOptions options)
    : options_(std::move(options)), vocab_(std::move(vocab)) {}

WordTokenizer WordTokenizer::fit(const std::vector<std::string>& texts, WordTokenizerOptions options) {
  WordTokenizer tok(options);
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& text : texts) {
    for (auto& w : tok.tokenize(text)) ++counts[std::move(w)];
  }
  tok.vocab_ = Vocab::from_counts(
      counts, {.min_freq = options.min_freq, .max_size = options.max_size, .specials = options.specials});
  return tok;
}

std::vector<std::string> WordTokenizer::tokenize(std::string_view text) const {
  const std::string lowered = options_.lowercase ? ascii_lower(text) : std::string();
  const std::string_view s = options_.lowercase ? std::string_view(lowered) : text;
  std::vector<std::string> words;
  std::string current;
  const auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_space(c)) {
      flush();
    } else if (options_.split_punctuation && is_punct(c)) {
      const bool joiner = (c == '\'' || c == '-') && !current.empty() && is_alnum(current.back()) &&
                          i + 1 < s.size() && is_alnum(s[i + 1]);
      if (joiner) {
        current.push_back(c);
      } else {
        flush();
        words.emplace_back(1, c);
      }
    } else {
      current.push_back(c);
    }
  }
  flush();
  return words;
}

std::vector<int64_t> WordTokenizer::encode(std::string_view text, int64_t max_length) const {
  STRATA_CHECK(vocab_.size() > 0, "WordTokenizer: encode called before fit (the vocabulary is empty)");
  STRATA_CHECK(max_length >= 0, "WordTokenizer: max_length must be >= 0, got {}", max_length);
  std::vector<int64_t> ids;
  if (options_.add_bos) {
    STRATA_CHECK(vocab_.bos_id().has_value(),
                 "WordTokenizer: add_bos is set but the vocabulary has no <bos>");
    ids.push_back(*vocab_.bos_id());
  }
  for (const auto& w : tokenize(text)) ids.push_back(vocab_.id(w));
  if (options_.add_eos) {
    STRATA_CHECK(vocab_.eos_id().has_value(),
                 "WordTokenizer: add_eos is set but the vocabulary has no <eos>");
    ids.push_back(*vocab_.eos_id());
  }
  if (max_length > 0 && static_cast<int64_t>(ids.size()) > max_length) {
    ids.resize(static_cast<size_t>(max_length));
    if (options_.add_eos) ids.back() = *vocab_.eos_id();
  }
  return ids;
}

Tensor WordTokenizer::encode_tensor(std::string_view text, int64_t max_length) const {
  const std::vector<int64_t> ids = encode(text, max_length);
  return from_vector(ids, Shape{static_cast<int64_t>(ids.size())});
}

std::string WordTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    const std::string& t = vocab_.token(id);
    if (vocab_.is_special(id) && id != vocab_.unk_id()) continue;
    if (!out.empty()) out.push_back(' ');
    out += t;
  }
  return out;
}

std::string WordTokenizer::to_json() const {
  nlohmann::json j{{"type", "word"},
                   {"lowercase", options_.lowercase},
                   {"split_punctuation", options_.split_punctuation},
                   {"add_bos", options_.add_bos},
                   {"add_eos", options_.add_eos},
                   {"vocab", nlohmann::json::parse(vocab_.to_json())}};
  return j.dump();
}

WordTokenizer WordTokenizer::from_json(const std::string& json, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("WordTokenizer: {} is not valid JSON: {}", source, e.what());
  }
  STRATA_CHECK(j.is_object() && j.value("type", "") == "word" && j.contains("vocab"),
               "WordTokenizer: {} is not a word tokenizer (expected \"type\": \"word\" and a \"vocab\")",
               source);
  const auto flag = [&](const char* key, bool fallback) {
    if (!j.contains(key)) return fallback;
    STRATA_CHECK(j[key].is_boolean(), "WordTokenizer: {}: \"{}\" must be true or false", source, key);
    return j[key].get<bool>();
  };
  WordTokenizerOptions options;
  options.lowercase = flag("lowercase", options.lowercase);
  options.split_punctuation = flag("split_punctuation", options.split_punctuation);
  options.add_bos = flag("add_bos", false);
  options.add_eos = flag("add_eos", false);
  Vocab vocab = Vocab::from_json(j["vocab"].dump(), source);
  options.specials.clear();
  for (const auto& t : vocab.tokens()) {
    if (t == kPadToken || t == kUnkToken || t == kBosToken || t == kEosToken) options.specials.push_back(t);
  }
  return WordTokenizer(std::move(vocab), std::move(options));
}

}  // namespace strata::data::text
