#include "strata/data/text/bpe.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>

#include "strata/core/factory.h"
#include "strata/data/text/utf8.h"

namespace strata::data::text {
namespace {

constexpr int64_t kBytes = 256;

uint64_t pair_key(int64_t a, int64_t b) {
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b);
}

// Byte classes for pre-tokenisation.
enum class Cls { Space, OtherSpace, Letter, Digit, Other };

Cls cls(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c == ' ') return Cls::Space;
  if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return Cls::OtherSpace;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) return Cls::Letter;
  if (c >= '0' && c <= '9') return Cls::Digit;
  return Cls::Other;
}

bool is_ws(Cls c) { return c == Cls::Space || c == Cls::OtherSpace; }

}  // namespace

std::vector<std::string_view> bpe_pretokenize(std::string_view s) {
  std::vector<std::string_view> out;
  const size_t n = s.size();
  size_t pos = 0;
  while (pos < n) {
    const size_t start = pos;
    const Cls c = cls(s[pos]);
    if (c == Cls::Space && pos + 1 < n && !is_ws(cls(s[pos + 1]))) {
      // " word": the space leads the run that follows it.
      const Cls k = cls(s[++pos]);
      while (pos < n && cls(s[pos]) == k) ++pos;
    } else if (is_ws(c)) {
      while (pos < n && is_ws(cls(s[pos]))) ++pos;
      // Leave a final space to lead the next word.
      if (pos < n && s[pos - 1] == ' ' && pos - 1 > start) --pos;
    } else {
      while (pos < n && cls(s[pos]) == c) ++pos;
    }
    out.push_back(s.substr(start, pos - start));
  }
  return out;
}

ByteLevelBPE::ByteLevelBPE(std::vector<std::pair<int64_t, int64_t>> merges,
                           std::vector<std::string> special_tokens)
    : merges_(std::move(merges)), specials_(std::move(special_tokens)) {
  tokens_.reserve(kBytes + merges_.size() + specials_.size());
  for (int b = 0; b < kBytes; ++b) tokens_.emplace_back(1, static_cast<char>(b));
  ranks_.reserve(merges_.size());
  for (size_t i = 0; i < merges_.size(); ++i) {
    const auto [a, b] = merges_[i];
    const auto limit = static_cast<int64_t>(tokens_.size());
    STRATA_CHECK(a >= 0 && a < limit && b >= 0 && b < limit,
                 "ByteLevelBPE: merge {} joins ids ({}, {}) but only ids below {} exist at that point", i, a,
                 b, limit);
    const bool fresh = ranks_.emplace(pair_key(a, b), static_cast<int32_t>(i)).second;
    STRATA_CHECK(fresh, "ByteLevelBPE: merge {} repeats the pair ({}, {})", i, a, b);
    tokens_.push_back(tokens_[static_cast<size_t>(a)] + tokens_[static_cast<size_t>(b)]);
  }
  for (size_t i = 0; i < specials_.size(); ++i) {
    const std::string& t = specials_[i];
    STRATA_CHECK(!t.empty() && is_valid_utf8(t), "ByteLevelBPE: special token {} is empty or not valid UTF-8",
                 i);
    STRATA_CHECK(std::count(specials_.begin(), specials_.end(), t) == 1,
                 "ByteLevelBPE: special token '{}' is given twice", t);
    tokens_.push_back(t);
  }
}

ByteLevelBPE ByteLevelBPE::train(const std::vector<std::string>& corpus, const BPETrainOptions& options) {
  const auto n_special = static_cast<int64_t>(options.special_tokens.size());
  STRATA_CHECK(options.vocab_size >= kBytes + n_special,
               "ByteLevelBPE::train: vocab_size {} is below the 256 byte tokens plus {} special tokens",
               options.vocab_size, n_special);
  STRATA_CHECK(options.min_frequency >= 1, "ByteLevelBPE::train: min_frequency must be at least 1, got {}",
               options.min_frequency);
  const int64_t target_merges = options.vocab_size - kBytes - n_special;

  // Distinct pieces with their counts; the corpus outlives the views.
  std::unordered_map<std::string_view, int64_t> piece_counts;
  for (const auto& text : corpus) {
    for (std::string_view p : bpe_pretokenize(text)) ++piece_counts[p];
  }
  // Sorted so that word indices (and so the whole run) do not depend on the hash map's order.
  std::vector<std::pair<std::string_view, int64_t>> pieces(piece_counts.begin(), piece_counts.end());
  std::sort(pieces.begin(), pieces.end());
  std::vector<std::vector<int32_t>> words(pieces.size());
  std::vector<int64_t> freq(pieces.size());
  std::unordered_map<uint64_t, int64_t> pair_counts;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;
  for (size_t w = 0; w < pieces.size(); ++w) {
    const std::string_view p = pieces[w].first;
    freq[w] = pieces[w].second;
    words[w].reserve(p.size());
    for (char ch : p) words[w].push_back(static_cast<unsigned char>(ch));
    for (size_t i = 0; i + 1 < p.size(); ++i) {
      const uint64_t k = pair_key(words[w][i], words[w][i + 1]);
      pair_counts[k] += freq[w];
      where[k].push_back(static_cast<int32_t>(w));
    }
  }

  // Max-heap on (count, then the smaller pair key); entries whose count is out of date are skipped.
  using Entry = std::pair<int64_t, uint64_t>;
  const auto worse = [](const Entry& x, const Entry& y) {
    return x.first != y.first ? x.first < y.first : x.second > y.second;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> heap(worse);
  for (const auto& [k, c] : pair_counts) heap.emplace(c, k);

  std::vector<std::pair<int64_t, int64_t>> merges;
  std::vector<int64_t> seen(words.size(), -1);  // last merge that touched each word (dedupes `where`)
  std::unordered_map<uint64_t, int64_t> changed;
  while (static_cast<int64_t>(merges.size()) < target_merges && !heap.empty()) {
    const auto [count, key] = heap.top();
    heap.pop();
    auto it = pair_counts.find(key);
    if (it == pair_counts.end() || it->second != count) continue;
    if (count < options.min_frequency) break;
    const auto a = static_cast<int32_t>(key >> 32), b = static_cast<int32_t>(key & 0xFFFFFFFFu);
    const auto new_id = static_cast<int32_t>(kBytes + static_cast<int64_t>(merges.size()));
    const auto merge_index = static_cast<int64_t>(merges.size());
    merges.emplace_back(a, b);
    std::vector<int32_t> affected = std::move(where[key]);
    where.erase(key);
    changed.clear();
    const auto add = [&](uint64_t k, int64_t delta) {
      int64_t& c = pair_counts[k];
      c += delta;
      changed[k] = c;
    };
    for (int32_t w : affected) {
      if (seen[static_cast<size_t>(w)] == merge_index) continue;
      seen[static_cast<size_t>(w)] = merge_index;
      std::vector<int32_t>& syms = words[static_cast<size_t>(w)];
      const int64_t f = freq[static_cast<size_t>(w)];
      std::vector<int32_t> merged;
      merged.reserve(syms.size());
      bool hit = false;
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == a && syms[i + 1] == b) {
          merged.push_back(new_id);
          ++i;
          hit = true;
        } else {
          merged.push_back(syms[i]);
        }
      }
      if (!hit) continue;
      for (size_t i = 0; i + 1 < syms.size(); ++i) add(pair_key(syms[i], syms[i + 1]), -f);
      for (size_t i = 0; i + 1 < merged.size(); ++i) {
        const uint64_t k = pair_key(merged[i], merged[i + 1]);
        add(k, f);
        where[k].push_back(w);
      }
      syms = std::move(merged);
    }
    for (const auto& [k, c] : changed) {
      if (c <= 0) {
        pair_counts.erase(k);
      } else {
        heap.emplace(c, k);
      }
    }
  }
  return ByteLevelBPE(std::move(merges), options.special_tokens);
}

std::vector<int64_t> ByteLevelBPE::encode_piece(std::string_view piece) const {
  const size_t n = piece.size();
  std::vector<int64_t> syms(n);
  for (size_t i = 0; i < n; ++i) syms[i] = static_cast<unsigned char>(piece[i]);
  if (n < 2 || ranks_.empty()) return syms;
  // Linked list over the symbols; a min-heap on (merge rank, position) applies the earliest-learnt merge
  // first and, among equal ones, the leftmost, as in training.
  std::vector<int64_t> next(n), prev(n);
  std::vector<char> alive(n, 1);
  for (size_t i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
    prev[i] = static_cast<int64_t>(i) - 1;
  }
  using Entry = std::pair<int32_t, int64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  const auto rank_of = [&](int64_t i, int64_t j) -> int32_t {
    auto it = ranks_.find(pair_key(syms[static_cast<size_t>(i)], syms[static_cast<size_t>(j)]));
    return it == ranks_.end() ? -1 : it->second;
  };
  for (size_t i = 0; i + 1 < n; ++i) {
    const int32_t r = rank_of(static_cast<int64_t>(i), static_cast<int64_t>(i + 1));
    if (r >= 0) heap.emplace(r, static_cast<int64_t>(i));
  }
  while (!heap.empty()) {
    const auto [r, i] = heap.top();
    heap.pop();
    const auto ui = static_cast<size_t>(i);
    if (!alive[ui] || next[ui] < 0 || rank_of(i, next[ui]) != r) continue;  // stale entry
    const int64_t j = next[ui];
    syms[ui] = kBytes + r;
    alive[static_cast<size_t>(j)] = 0;
    next[ui] = next[static_cast<size_t>(j)];
    if (next[ui] >= 0) prev[static_cast<size_t>(next[ui])] = i;
    if (prev[ui] >= 0) {
      const int32_t rl = rank_of(prev[ui], i);
      if (rl >= 0) heap.emplace(rl, prev[ui]);
    }
    if (next[ui] >= 0) {
      const int32_t rr = rank_of(i, next[ui]);
      if (rr >= 0) heap.emplace(rr, i);
    }
  }
  std::vector<int64_t> out;
  for (int64_t i = 0; i >= 0; i = next[static_cast<size_t>(i)]) out.push_back(syms[static_cast<size_t>(i)]);
  return out;
}

std::vector<int64_t> ByteLevelBPE::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 2 + 1);
  for (std::string_view piece : bpe_pretokenize(text)) {
    const std::vector<int64_t> p = encode_piece(piece);
    ids.insert(ids.end(), p.begin(), p.end());
  }
  return ids;
}

Tensor ByteLevelBPE::encode_tensor(std::string_view text) const {
  const std::vector<int64_t> ids = encode(text);
  return from_vector(ids, Shape{static_cast<int64_t>(ids.size())});
}

const std::string& ByteLevelBPE::token_bytes(int64_t id) const {
  STRATA_CHECK(id >= 0 && id < vocab_size(),
               "ByteLevelBPE: id {} is out of range for a vocabulary of {} tokens", id, vocab_size());
  return tokens_[static_cast<size_t>(id)];
}

std::string ByteLevelBPE::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  out.reserve(ids.size() * 3);
  for (int64_t id : ids) out += token_bytes(id);
  return out;
}

std::optional<int64_t> ByteLevelBPE::special_id(std::string_view token) const {
  for (size_t i = 0; i < specials_.size(); ++i) {
    if (specials_[i] == token) return kBytes + num_merges() + static_cast<int64_t>(i);
  }
  return std::nullopt;
}

std::string ByteLevelBPE::to_json() const {
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& [a, b] : merges_) merges.push_back({a, b});
  nlohmann::json j{
      {"type", "byte_level_bpe"}, {"version", 1}, {"merges", merges}, {"special_tokens", specials_}};
  return j.dump();
}

ByteLevelBPE ByteLevelBPE::from_json(const std::string& json, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("ByteLevelBPE: {} is not valid JSON: {}", source, e.what());
  }
  STRATA_CHECK(j.is_object() && j.value("type", "") == "byte_level_bpe",
               "ByteLevelBPE: {} is not a byte-level BPE tokenizer (expected \"type\": \"byte_level_bpe\")",
               source);
  STRATA_CHECK(j.value("version", 0) == 1, "ByteLevelBPE: {} has an unsupported version (expected 1)",
               source);
  STRATA_CHECK(j.contains("merges") && j["merges"].is_array(), "ByteLevelBPE: {} has no \"merges\" array",
               source);
  std::vector<std::pair<int64_t, int64_t>> merges;
  merges.reserve(j["merges"].size());
  for (const auto& m : j["merges"]) {
    STRATA_CHECK(m.is_array() && m.size() == 2 && m[0].is_number_integer() && m[1].is_number_integer(),
                 "ByteLevelBPE: {}: merge {} is not a pair of integer ids", source, merges.size());
    merges.emplace_back(m[0].get<int64_t>(), m[1].get<int64_t>());
  }
  std::vector<std::string> specials;
  if (j.contains("special_tokens")) {
    STRATA_CHECK(j["special_tokens"].is_array(), "ByteLevelBPE: {}: \"special_tokens\" must be an array",
                 source);
    for (const auto& t : j["special_tokens"]) {
      STRATA_CHECK(t.is_string(), "ByteLevelBPE: {}: special token {} is not a string", source,
                   specials.size());
      specials.push_back(t.get<std::string>());
    }
  }
  try {
    return ByteLevelBPE(std::move(merges), std::move(specials));
  } catch (const Error& e) {
    STRATA_FAIL("{} (in {})", e.what(), source);
  }
}

void ByteLevelBPE::save(const std::string& path) const {
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    STRATA_CHECK(out.good(), "ByteLevelBPE: cannot write {}", path);
    out << to_json() << '\n';
    STRATA_CHECK(out.good(), "ByteLevelBPE: writing {} failed", path);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  STRATA_CHECK(!ec, "ByteLevelBPE: cannot move {} into place: {}", path, ec.message());
}

ByteLevelBPE ByteLevelBPE::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "ByteLevelBPE: cannot open {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json(ss.str(), path);
}

}  // namespace strata::data::text
