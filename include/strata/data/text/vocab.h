#pragma once
// Vocab: a bijection between token strings and ids, with the special tokens first.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata::data::text {

inline constexpr std::string_view kPadToken = "<pad>";
inline constexpr std::string_view kUnkToken = "<unk>";
inline constexpr std::string_view kBosToken = "<bos>";
inline constexpr std::string_view kEosToken = "<eos>";

struct VocabOptions {
  int64_t min_freq = 1;  // tokens seen fewer times are left out (they map to <unk>)
  int64_t max_size = 0;  // at most this many entries, specials included (0: no limit)
  std::vector<std::string> specials = {"<pad>", "<unk>", "<bos>", "<eos>"};  // ids 0, 1, ... in this order
};

// Hash and equality that accept std::string_view, so lookups need no temporary std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class Vocab {
 public:
  Vocab() = default;
  // The given tokens in id order; duplicates and empty tokens are refused. Those of them named "<pad>",
  // "<unk>", "<bos>", "<eos>" act as the special tokens.
  explicit Vocab(std::vector<std::string> tokens);

  // Specials first, then every token counted at least min_freq times by decreasing count (ties in byte
  // order), cut at max_size entries.
  static Vocab from_counts(const std::unordered_map<std::string, int64_t>& counts,
                           const VocabOptions& options = {});
  // Counts the tokens of the documents and builds as from_counts.
  static Vocab build(const std::vector<std::vector<std::string>>& documents,
                     const VocabOptions& options = {});

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  bool contains(std::string_view token) const { return ids_.find(token) != ids_.end(); }
  // The id of `token`, or nullopt when it is not in the vocabulary.
  std::optional<int64_t> find(std::string_view token) const;
  // The id of `token`; an unknown token maps to <unk> (an error when the vocabulary has none).
  int64_t id(std::string_view token) const;
  // The token of `id`; throws naming the id and the size when out of range.
  const std::string& token(int64_t id) const;
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Ids of the special tokens (nullopt when absent).
  std::optional<int64_t> pad_id() const { return pad_; }
  std::optional<int64_t> unk_id() const { return unk_; }
  std::optional<int64_t> bos_id() const { return bos_; }
  std::optional<int64_t> eos_id() const { return eos_; }
  // True for the ids of <pad>, <unk>, <bos> and <eos>.
  bool is_special(int64_t id) const;

  // Ids of tokens (unknown ones -> <unk>).
  std::vector<int64_t> encode(const std::vector<std::string>& tokens) const;
  // Tokens of ids.
  std::vector<std::string> decode(const std::vector<int64_t>& ids) const;

  // JSON text {"tokens": [...]} and back; `source` names the origin in errors.
  std::string to_json() const;
  static Vocab from_json(const std::string& json, const std::string& source = "Vocab JSON");

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> ids_;
  std::optional<int64_t> pad_, unk_, bos_, eos_;
};

}  // namespace strata::data::text
