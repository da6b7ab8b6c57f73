#include "strata/data/text/vocab.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "strata/core/error.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {

Vocab::Vocab(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  ids_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const std::string& t = tokens_[i];
    STRATA_CHECK(!t.empty(), "Vocab: token {} is empty", i);
    const auto [it, inserted] = ids_.emplace(t, static_cast<int64_t>(i));
    STRATA_CHECK(inserted, "Vocab: token '{}' appears twice (ids {} and {})", t, it->second, i);
    const auto id = static_cast<int64_t>(i);
    if (t == kPadToken) pad_ = id;
    if (t == kUnkToken) unk_ = id;
    if (t == kBosToken) bos_ = id;
    if (t == kEosToken) eos_ = id;
  }
}

Vocab Vocab::from_counts(const std::unordered_map<std::string, int64_t>& counts,
                         const VocabOptions& options) {
  STRATA_CHECK(options.min_freq >= 1, "Vocab: min_freq must be at least 1, got {}", options.min_freq);
  STRATA_CHECK(options.max_size >= 0, "Vocab: max_size must be >= 0, got {}", options.max_size);
  const auto n_special = static_cast<int64_t>(options.specials.size());
  STRATA_CHECK(options.max_size == 0 || options.max_size >= n_special,
               "Vocab: max_size {} cannot hold the {} special tokens", options.max_size, n_special);
  std::vector<std::pair<std::string_view, int64_t>> kept;
  kept.reserve(counts.size());
  for (const auto& [token, count] : counts) {
    if (count < options.min_freq || token.empty()) continue;
    if (std::find(options.specials.begin(), options.specials.end(), token) != options.specials.end())
      continue;
    kept.emplace_back(token, count);
  }
  // Most frequent first; ties in byte order so the result does not depend on the hash map's order.
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> tokens = options.specials;
  size_t limit = kept.size();
  if (options.max_size > 0) limit = std::min(limit, static_cast<size_t>(options.max_size - n_special));
  tokens.reserve(tokens.size() + limit);
  for (size_t i = 0; i < limit; ++i) tokens.emplace_back(kept[i].first);
  return Vocab(std::move(tokens));
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& documents, const VocabOptions& options) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& doc : documents) {
    for (const auto& t : doc) ++counts[t];
  }
  return from_counts(counts, options);
}

std::optional<int64_t> Vocab::find(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

int64_t Vocab::id(std::string_view token) const {
  auto it = ids_.find(token);
  if (it != ids_.end()) return it->second;
  STRATA_CHECK(unk_.has_value(),
               "Vocab: token '{}' is not in the vocabulary of {} tokens, which has no <unk>", token, size());
  return *unk_;
}

const std::string& Vocab::token(int64_t id) const {
  STRATA_CHECK(id >= 0 && id < size(), "Vocab: id {} is out of range for a vocabulary of {} tokens", id,
               size());
  return tokens_[static_cast<size_t>(id)];
}

bool Vocab::is_special(int64_t id) const { return id == pad_ || id == unk_ || id == bos_ || id == eos_; }

std::vector<int64_t> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(id(t));
  return ids;
}

std::vector<std::string> Vocab::decode(const std::vector<int64_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int64_t i : ids) out.push_back(token(i));
  return out;
}

// A token that is not valid UTF-8 (a stray byte from the character tokenizer) cannot be a JSON string: it is
// written as {"bytes": [..]} instead.
std::string Vocab::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : tokens_) {
    if (is_valid_utf8(t)) {
      list.push_back(t);
    } else {
      std::vector<int> bytes(t.begin(), t.end());
      for (int& b : bytes) b &= 0xFF;
      list.push_back(nlohmann::json{{"bytes", bytes}});
    }
  }
  return nlohmann::json{{"tokens", list}}.dump();
}

Vocab Vocab::from_json(const std::string& json, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("Vocab: {} is not valid JSON: {}", source, e.what());
  }
  STRATA_CHECK(j.is_object() && j.contains("tokens") && j["tokens"].is_array(),
               "Vocab: {} has no \"tokens\" array", source);
  std::vector<std::string> tokens;
  tokens.reserve(j["tokens"].size());
  for (const auto& t : j["tokens"]) {
    if (t.is_string()) {
      tokens.push_back(t.get<std::string>());
      continue;
    }
    STRATA_CHECK(t.is_object() && t.contains("bytes") && t["bytes"].is_array(),
                 "Vocab: {}: token {} is neither a string nor {{\"bytes\": [..]}}", source, tokens.size());
    std::string raw;
    for (const auto& b : t["bytes"]) {
      STRATA_CHECK(b.is_number_integer() && b.get<int>() >= 0 && b.get<int>() <= 255,
                   "Vocab: {}: token {} has a byte outside 0..255", source, tokens.size());
      raw.push_back(static_cast<char>(b.get<int>()));
    }
    tokens.push_back(std::move(raw));
  }
  return Vocab(std::move(tokens));
}

}  // namespace strata::data::text
