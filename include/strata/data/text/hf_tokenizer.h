#pragma once
// Hugging Face tokenizer.json files of byte-level BPE tokenizers (GPT-2, RoBERTa, BART and their kind):
// model.vocab, model.merges, added_tokens and the ByteLevel pre-tokenizer, read so that encode() gives the
// ids the `tokenizers` library gives for the same text (add_special_tokens=False: no post-processor).
//
// Encoding: the text is first split around the added tokens (leftmost, longest match; lstrip / rstrip
// absorb the white space beside a match, single_word matches only whole words); every other stretch is
// pre-tokenized with GPT-2's pattern ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|
// \s+(?!\S)|\s+), after a leading space when add_prefix_space is on; each piece's bytes are mapped to the
// printable characters of GPT-2's byte-to-unicode table and merged by BPE, lowest merge rank first and
// leftmost among equals.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::text {

// One entry of tokenizer.json's added_tokens.
struct HFAddedToken {
  int64_t id = 0;
  std::string content;
  bool single_word = false;  // match only where no letter, digit or '_' touches it
  bool lstrip = false;       // the match takes the white space on its left
  bool rstrip = false;       // the match takes the white space on its right
  bool special = false;
};

// GPT-2's byte-to-unicode table: the character (UTF-8) that stands for byte b in vocabulary strings.
const std::string& byte_level_char(uint8_t b);

class HFTokenizer {
 public:
  // Parses the text of a tokenizer.json; errors name `source` and the field.
  static HFTokenizer from_json(const std::string& json, const std::string& source = "tokenizer.json");
  // Reads a tokenizer.json file; errors name the file and the field.
  static HFTokenizer load(const std::string& path);

  // Token ids of text, as tokenizers' encode(text, add_special_tokens=False).ids.
  std::vector<int64_t> encode(std::string_view text) const;
  // The same as an i64 [N] tensor.
  Tensor encode_tensor(std::string_view text) const;
  // The text of the ids (added tokens contribute their content); throws on an unknown id.
  std::string decode(const std::vector<int64_t>& ids) const;

  // One more than the largest id of the vocabulary and the added tokens.
  int64_t vocab_size() const { return vocab_size_; }
  // The id of a vocabulary or added token (as written in tokenizer.json), or nullopt.
  std::optional<int64_t> token_to_id(std::string_view token) const;
  // The token string of an id (vocabulary form, e.g. "Ġworld"); throws on an unknown id.
  const std::string& id_to_token(int64_t id) const;
  const std::vector<HFAddedToken>& added_tokens() const { return added_; }
  bool add_prefix_space() const { return add_prefix_space_; }

 private:
  void encode_segment(std::string_view segment, std::vector<int64_t>& ids) const;
  void encode_piece(std::string_view piece, std::vector<int64_t>& ids) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> tokens_;  // id -> token string ("" for ids no token has)
  std::vector<char> is_added_;       // id -> an added token
  // (left id, right id) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int32_t, int64_t>> merges_;
  std::vector<HFAddedToken> added_;
  std::optional<int64_t> unk_id_;
  int64_t vocab_size_ = 0;
  bool add_prefix_space_ = false;
  bool use_regex_ = true;
  bool ignore_merges_ = false;
};

}  // namespace strata::data::text
