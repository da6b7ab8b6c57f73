#include "strata/data/text/hf_tokenizer.h"

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/data/text/unicode.h"

namespace strata::data::text {
namespace {

using nlohmann::json;

uint64_t pair_key(int64_t a, int64_t b) {
  return (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b);
}

std::string utf8_encode(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes (controls,
// space, DEL, 0x80-0xA0, soft hyphen) take U+0100 upwards in byte order.
struct ByteLevelTable {
  std::array<std::string, 256> chars;
  std::unordered_map<char32_t, uint8_t> bytes;
  ByteLevelTable() {
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      chars[static_cast<size_t>(b)] = utf8_encode(cp);
      bytes[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteLevelTable& byte_table() {
  static const ByteLevelTable table;
  return table;
}

// Character classes of GPT-2's pre-tokenisation pattern.
enum class Cls { Letter, Number, Space, Other };

Cls cls_of(char32_t cp) {
  if (is_unicode_whitespace(cp)) return Cls::Space;
  if (is_unicode_letter(cp)) return Cls::Letter;
  if (is_unicode_number(cp)) return Cls::Number;
  return Cls::Other;
}

// The pieces of GPT-2's pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+,
// matched left to right over the characters of s.
std::vector<std::string_view> gpt2_pretokenize(std::string_view s) {
  struct Char {
    size_t pos, len;
    Cls cls;
  };
  std::vector<Char> chars;
  for (size_t pos = 0; pos < s.size();) {
    const auto [cp, len] = utf8_decode(s, pos);
    chars.push_back({pos, len, cls_of(cp)});
    pos += len;
  }
  const size_t n = chars.size();
  const auto text_at = [&](size_t i) { return i < n ? s.substr(chars[i].pos, chars[i].len) : ""; };
  std::vector<std::string_view> out;
  const auto emit = [&](size_t from, size_t to) {  // characters [from, to)
    const size_t end = to < n ? chars[to].pos : s.size();
    out.push_back(s.substr(chars[from].pos, end - chars[from].pos));
  };
  size_t i = 0;
  while (i < n) {
    // Contractions.
    if (text_at(i) == "'") {
      static const char* const kSuffixes[] = {"s", "t", "re", "ve", "m", "ll", "d"};
      size_t taken = 0;
      for (const char* suf : kSuffixes) {
        const std::string_view sv(suf);
        size_t k = 0;
        while (k < sv.size() && text_at(i + 1 + k) == sv.substr(k, 1)) ++k;
        if (k == sv.size()) {
          taken = sv.size();
          break;
        }
      }
      if (taken > 0) {
        emit(i, i + 1 + taken);
        i += 1 + taken;
        continue;
      }
    }
    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
    const size_t start = i;
    size_t j = i;
    if (text_at(j) == " " && j + 1 < n && chars[j + 1].cls != Cls::Space) ++j;
    if (chars[j].cls != Cls::Space) {
      const Cls c = chars[j].cls;
      while (j < n && chars[j].cls == c) ++j;
      emit(start, j);
      i = j;
      continue;
    }
    // `\s+(?!\S)`, else `\s+`: a white-space run, leaving its last character to the word that follows.
    while (j < n && chars[j].cls == Cls::Space) ++j;
    if (j < n && j - start > 1) --j;
    emit(start, j);
    i = j;
  }
  return out;
}

[[noreturn]] void fail_field(const std::string& source, const std::string& field, const std::string& what) {
  STRATA_FAIL("HFTokenizer: {}: {}: {}", source, field, what);
}

const json& required(const json& j, const char* key, const std::string& field, const std::string& source) {
  if (!j.is_object() || !j.contains(key)) fail_field(source, field, "missing");
  return j.at(key);
}

bool optional_bool(const json& j, const char* key, bool fallback, const std::string& field,
                   const std::string& source) {
  if (!j.contains(key) || j.at(key).is_null()) return fallback;
  if (!j.at(key).is_boolean()) fail_field(source, field, "expected true or false");
  return j.at(key).get<bool>();
}

bool is_word_char(char32_t cp) { return cp == '_' || is_unicode_letter(cp) || is_unicode_number(cp); }

// The code point that ends just before byte `pos` of s (pos > 0).
char32_t char_before(std::string_view s, size_t pos) {
  size_t p = pos - 1;
  while (p > 0 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80 && pos - p < 4) --p;
  const auto [cp, len] = utf8_decode(s, p);
  return p + len == pos ? cp : U'\uFFFD';
}

}  // namespace

const std::string& byte_level_char(uint8_t b) { return byte_table().chars[b]; }

HFTokenizer HFTokenizer::from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    STRATA_FAIL("HFTokenizer: {} is not valid JSON: {}", source, e.what());
  }
  if (!j.is_object()) STRATA_FAIL("HFTokenizer: {} is not a JSON object", source);
  HFTokenizer tok;

  if (j.contains("normalizer") && !j["normalizer"].is_null())
    fail_field(source, "normalizer", "only null is supported (a byte-level BPE tokenizer has none)");

  const json& pre = required(j, "pre_tokenizer", "pre_tokenizer", source);
  if (!pre.is_object() || pre.value("type", "") != "ByteLevel")
    fail_field(source, "pre_tokenizer.type", "only \"ByteLevel\" is supported");
  tok.add_prefix_space_ =
      optional_bool(pre, "add_prefix_space", true, "pre_tokenizer.add_prefix_space", source);
  tok.use_regex_ = optional_bool(pre, "use_regex", true, "pre_tokenizer.use_regex", source);

  const json& model = required(j, "model", "model", source);
  if (!model.is_object()) fail_field(source, "model", "expected an object");
  if (model.contains("type") && model["type"] != "BPE")
    fail_field(source, "model.type", "only \"BPE\" is supported");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && !model[key].is_null() && model[key] != "")
      fail_field(source, std::string("model.") + key, "only null or \"\" is supported");
  }
  if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"] != 0)
    fail_field(source, "model.dropout", "only null is supported (BPE dropout is for training)");
  tok.ignore_merges_ = optional_bool(model, "ignore_merges", false, "model.ignore_merges", source);

  const json& vocab = required(model, "vocab", "model.vocab", source);
  if (!vocab.is_object()) fail_field(source, "model.vocab", "expected an object of token -> id");
  int64_t max_id = -1;
  const auto note_id = [&](const std::string& token, int64_t id) {
    if (id >= static_cast<int64_t>(tok.tokens_.size())) {
      tok.tokens_.resize(static_cast<size_t>(id) + 1);
      tok.is_added_.resize(static_cast<size_t>(id) + 1, 0);
    }
    tok.tokens_[static_cast<size_t>(id)] = token;
    max_id = std::max(max_id, id);
  };
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0)
      fail_field(source, "model.vocab." + token, "expected a non-negative integer id");
    tok.vocab_[token] = id.get<int64_t>();
    note_id(token, id.get<int64_t>());
  }

  if (model.contains("unk_token") && !model["unk_token"].is_null()) {
    if (!model["unk_token"].is_string()) fail_field(source, "model.unk_token", "expected a string or null");
    auto it = tok.vocab_.find(model["unk_token"].get<std::string>());
    if (it == tok.vocab_.end()) fail_field(source, "model.unk_token", "not in model.vocab");
    tok.unk_id_ = it->second;
  }

  const json& merges = required(model, "merges", "model.merges", source);
  if (!merges.is_array()) fail_field(source, "model.merges", "expected an array");
  for (size_t r = 0; r < merges.size(); ++r) {
    const json& m = merges[r];
    const std::string field = fmt::format("model.merges[{}]", r);
    std::string a, b;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 >= s.size() ||
          s.find(' ', sp + 1) != std::string::npos)
        fail_field(source, field, fmt::format("\"{}\" is not two tokens separated by one space", s));
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      fail_field(source, field, "expected \"a b\" or [\"a\", \"b\"]");
    }
    const auto ia = tok.vocab_.find(a), ib = tok.vocab_.find(b), iab = tok.vocab_.find(a + b);
    if (ia == tok.vocab_.end())
      fail_field(source, field, fmt::format("token \"{}\" is not in model.vocab", a));
    if (ib == tok.vocab_.end())
      fail_field(source, field, fmt::format("token \"{}\" is not in model.vocab", b));
    if (iab == tok.vocab_.end())
      fail_field(source, field, fmt::format("merged token \"{}\" is not in model.vocab", a + b));
    tok.merges_.emplace(pair_key(ia->second, ib->second),
                        std::make_pair(static_cast<int32_t>(r), iab->second));
  }

  if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
    const json& added = j["added_tokens"];
    if (!added.is_array()) fail_field(source, "added_tokens", "expected an array");
    for (size_t i = 0; i < added.size(); ++i) {
      const json& a = added[i];
      const std::string field = fmt::format("added_tokens[{}]", i);
      if (!a.is_object()) fail_field(source, field, "expected an object");
      const json& id = required(a, "id", field + ".id", source);
      const json& content = required(a, "content", field + ".content", source);
      if (!id.is_number_integer() || id.get<int64_t>() < 0)
        fail_field(source, field + ".id", "expected a non-negative integer");
      if (!content.is_string() || content.get<std::string>().empty())
        fail_field(source, field + ".content", "expected a non-empty string");
      HFAddedToken t{.id = id.get<int64_t>(),
                     .content = content.get<std::string>(),
                     .single_word = optional_bool(a, "single_word", false, field + ".single_word", source),
                     .lstrip = optional_bool(a, "lstrip", false, field + ".lstrip", source),
                     .rstrip = optional_bool(a, "rstrip", false, field + ".rstrip", source),
                     .special = optional_bool(a, "special", false, field + ".special", source)};
      note_id(t.content, t.id);
      tok.is_added_[static_cast<size_t>(t.id)] = 1;
      tok.added_.push_back(std::move(t));
    }
  }
  tok.vocab_size_ = max_id + 1;
  return tok;
}

HFTokenizer HFTokenizer::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "HFTokenizer: cannot open {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  STRATA_CHECK(!in.bad(), "HFTokenizer: reading {} failed", path);
  return from_json(ss.str(), path);
}

std::optional<int64_t> HFTokenizer::token_to_id(std::string_view token) const {
  for (const auto& a : added_)
    if (a.content == token) return a.id;
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string& HFTokenizer::id_to_token(int64_t id) const {
  STRATA_CHECK(id >= 0 && id < static_cast<int64_t>(tokens_.size()) &&
                   (!tokens_[static_cast<size_t>(id)].empty() || is_added_[static_cast<size_t>(id)]),
               "HFTokenizer: id {} is not in the vocabulary ({} ids)", id, vocab_size_);
  return tokens_[static_cast<size_t>(id)];
}

void HFTokenizer::encode_piece(std::string_view piece, std::vector<int64_t>& ids) const {
  const ByteLevelTable& table = byte_table();
  if (ignore_merges_) {
    std::string whole;
    for (char ch : piece) whole += table.chars[static_cast<unsigned char>(ch)];
    if (auto it = vocab_.find(whole); it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  // One symbol per byte; a byte missing from the vocabulary becomes unk_token, or is dropped without one
  // (as tokenizers does).
  std::vector<int64_t> syms;
  syms.reserve(piece.size());
  for (char ch : piece) {
    auto it = vocab_.find(table.chars[static_cast<unsigned char>(ch)]);
    if (it != vocab_.end()) {
      syms.push_back(it->second);
    } else if (unk_id_) {
      syms.push_back(*unk_id_);
    }
  }
  const size_t n = syms.size();
  if (n >= 2 && !merges_.empty()) {
    // A linked list over the symbols and a min-heap on (rank, position): the lowest-ranked merge first,
    // the leftmost among equals; entries made stale by an earlier merge are skipped.
    std::vector<int64_t> next(n), prev(n);
    std::vector<char> alive(n, 1);
    for (size_t i = 0; i < n; ++i) {
      next[i] = i + 1 < n ? static_cast<int64_t>(i + 1) : -1;
      prev[i] = static_cast<int64_t>(i) - 1;
    }
    const auto merge_of = [&](int64_t i, int64_t j) -> const std::pair<int32_t, int64_t>* {
      auto it = merges_.find(pair_key(syms[static_cast<size_t>(i)], syms[static_cast<size_t>(j)]));
      return it == merges_.end() ? nullptr : &it->second;
    };
    using Entry = std::pair<int32_t, int64_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    for (size_t i = 0; i + 1 < n; ++i) {
      if (const auto* m = merge_of(static_cast<int64_t>(i), static_cast<int64_t>(i + 1)))
        heap.emplace(m->first, static_cast<int64_t>(i));
    }
    while (!heap.empty()) {
      const auto [r, i] = heap.top();
      heap.pop();
      const auto ui = static_cast<size_t>(i);
      if (!alive[ui] || next[ui] < 0) continue;
      const auto* m = merge_of(i, next[ui]);
      if (m == nullptr || m->first != r) continue;  // stale entry
      const int64_t j = next[ui];
      syms[ui] = m->second;
      alive[static_cast<size_t>(j)] = 0;
      next[ui] = next[static_cast<size_t>(j)];
      if (next[ui] >= 0) prev[static_cast<size_t>(next[ui])] = i;
      if (prev[ui] >= 0) {
        if (const auto* ml = merge_of(prev[ui], i)) heap.emplace(ml->first, prev[ui]);
      }
      if (next[ui] >= 0) {
        if (const auto* mr = merge_of(i, next[ui])) heap.emplace(mr->first, i);
      }
    }
    for (int64_t i = 0; i >= 0; i = next[static_cast<size_t>(i)]) ids.push_back(syms[static_cast<size_t>(i)]);
    return;
  }
  ids.insert(ids.end(), syms.begin(), syms.end());
}

void HFTokenizer::encode_segment(std::string_view segment, std::vector<int64_t>& ids) const {
  if (segment.empty()) return;
  std::string prefixed;
  if (add_prefix_space_ && segment.front() != ' ') {
    prefixed = " " + std::string(segment);
    segment = prefixed;
  }
  if (!use_regex_) {
    encode_piece(segment, ids);
    return;
  }
  for (std::string_view piece : gpt2_pretokenize(segment)) encode_piece(piece, ids);
}

std::vector<int64_t> HFTokenizer::encode(std::string_view text) const {
  // Split around the added tokens: special ones first, then the others inside what is left (as tokenizers'
  // AddedVocabulary does). A part is (begin, end, id or -1 for plain text).
  struct Part {
    size_t begin, end;
    int64_t id;
  };
  std::vector<Part> parts{{0, text.size(), -1}};
  for (const bool special_pass : {true, false}) {
    std::vector<Part> next_parts;
    for (const Part& p : parts) {
      if (p.id >= 0) {
        next_parts.push_back(p);
        continue;
      }
      size_t cursor = p.begin;  // plain text starts here
      size_t pos = p.begin;
      while (pos < p.end) {
        // The longest added token of this pass that matches at pos.
        const HFAddedToken* best = nullptr;
        for (const HFAddedToken& a : added_) {
          if (a.special != special_pass || a.content.size() > p.end - pos) continue;
          if (text.compare(pos, a.content.size(), a.content) != 0) continue;
          if (a.single_word) {
            const size_t e = pos + a.content.size();
            if (pos > 0 && is_word_char(char_before(text, pos))) continue;
            if (e < text.size() && is_word_char(utf8_decode(text, e).first)) continue;
          }
          if (best == nullptr || a.content.size() > best->content.size()) best = &a;
        }
        if (best == nullptr) {
          pos += utf8_decode(text, pos).second;
          continue;
        }
        size_t begin = pos, end = pos + best->content.size();
        if (best->lstrip) {
          while (begin > cursor && is_unicode_whitespace(char_before(text, begin)))
            begin -= utf8_encode(char_before(text, begin)).size();
        }
        if (best->rstrip) {
          while (end < p.end && is_unicode_whitespace(utf8_decode(text, end).first))
            end += utf8_decode(text, end).second;
        }
        if (begin > cursor) next_parts.push_back({cursor, begin, -1});
        next_parts.push_back({begin, end, best->id});
        cursor = pos = end;
      }
      if (cursor < p.end) next_parts.push_back({cursor, p.end, -1});
    }
    parts = std::move(next_parts);
  }
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 1);
  for (const Part& p : parts) {
    if (p.id >= 0) {
      ids.push_back(p.id);
    } else {
      encode_segment(text.substr(p.begin, p.end - p.begin), ids);
    }
  }
  return ids;
}

Tensor HFTokenizer::encode_tensor(std::string_view text) const {
  const std::vector<int64_t> ids = encode(text);
  return from_vector(ids, Shape{static_cast<int64_t>(ids.size())});
}

std::string HFTokenizer::decode(const std::vector<int64_t>& ids) const {
  const ByteLevelTable& table = byte_table();
  std::string out;
  for (int64_t id : ids) {
    const std::string& token = id_to_token(id);
    if (is_added_[static_cast<size_t>(id)]) {
      out += token;
      continue;
    }
    for (size_t pos = 0; pos < token.size();) {
      const auto [cp, len] = utf8_decode(token, pos);
      auto it = table.bytes.find(cp);
      if (it != table.bytes.end()) {
        out += static_cast<char>(it->second);
      } else {
        out.append(token, pos, len);
      }
      pos += len;
    }
  }
  return out;
}

}  // namespace strata::data::text
