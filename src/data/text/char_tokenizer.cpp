#include "strata/data/text/char_tokenizer.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "strata/core/factory.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {

CharTokenizer::CharTokenizer(Vocab vocab, bool lowercase) : vocab_(std::move(vocab)), lowercase_(lowercase) {}

CharTokenizer CharTokenizer::fit(std::string_view text, const CharTokenizerOptions& options) {
  const std::string lowered = options.lowercase ? ascii_lower(text) : std::string();
  const std::string_view source = options.lowercase ? std::string_view(lowered) : text;
  // Count single bytes in a table (the common ASCII case) and longer characters in a map.
  std::vector<int64_t> byte_counts(256, 0);
  std::unordered_map<std::string, int64_t> counts;
  size_t pos = 0;
  while (pos < source.size()) {
    const size_t len = utf8_char_length(source, pos);
    if (len <= 1) {
      ++byte_counts[static_cast<unsigned char>(source[pos])];
      ++pos;
    } else {
      ++counts[std::string(source.substr(pos, len))];
      pos += len;
    }
  }
  for (int b = 0; b < 256; ++b) {
    if (byte_counts[static_cast<size_t>(b)] > 0)
      counts[std::string(1, static_cast<char>(b))] += byte_counts[static_cast<size_t>(b)];
  }
  VocabOptions vo{.min_freq = options.min_freq, .max_size = options.max_size, .specials = options.specials};
  return CharTokenizer(Vocab::from_counts(counts, vo), options.lowercase);
}

std::vector<std::string> CharTokenizer::tokenize(std::string_view text) const {
  const std::string lowered = lowercase_ ? ascii_lower(text) : std::string();
  std::vector<std::string> out;
  for (std::string_view c : utf8_chars(lowercase_ ? std::string_view(lowered) : text)) out.emplace_back(c);
  return out;
}

std::vector<int64_t> CharTokenizer::encode(std::string_view text) const {
  STRATA_CHECK(vocab_.size() > 0, "CharTokenizer: encode called before fit (the vocabulary is empty)");
  const std::string lowered = lowercase_ ? ascii_lower(text) : std::string();
  const std::string_view source = lowercase_ ? std::string_view(lowered) : text;
  // Single bytes go through a 256-entry table filled lazily: most text is ASCII.
  std::vector<int64_t> byte_ids(256, -2);
  std::vector<int64_t> ids;
  ids.reserve(source.size());
  size_t pos = 0;
  while (pos < source.size()) {
    const size_t len = std::max<size_t>(1, utf8_char_length(source, pos));
    if (len == 1) {
      int64_t& cached = byte_ids[static_cast<unsigned char>(source[pos])];
      if (cached == -2) cached = vocab_.id(source.substr(pos, 1));
      ids.push_back(cached);
    } else {
      ids.push_back(vocab_.id(source.substr(pos, len)));
    }
    pos += len;
  }
  return ids;
}

Tensor CharTokenizer::encode_tensor(std::string_view text) const { return from_vector(encode(text)); }

std::string CharTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    const std::string& t = vocab_.token(id);
    if (id == vocab_.unk_id()) {
      out += "\xEF\xBF\xBD";
    } else if (!vocab_.is_special(id)) {
      out += t;
    }
  }
  return out;
}

std::string CharTokenizer::to_json() const {
  nlohmann::json j{
      {"type", "char"}, {"lowercase", lowercase_}, {"vocab", nlohmann::json::parse(vocab_.to_json())}};
  return j.dump();
}

CharTokenizer CharTokenizer::from_json(const std::string& json, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("CharTokenizer: {} is not valid JSON: {}", source, e.what());
  }
  STRATA_CHECK(j.is_object() && j.value("type", "") == "char" && j.contains("vocab"),
               "CharTokenizer: {} is not a character tokenizer (expected \"type\": \"char\" and a \"vocab\")",
               source);
  const bool lowercase = j.contains("lowercase") && j["lowercase"].is_boolean() && j["lowercase"].get<bool>();
  return CharTokenizer(Vocab::from_json(j["vocab"].dump(), source), lowercase);
}

}  // namespace strata::data::text
