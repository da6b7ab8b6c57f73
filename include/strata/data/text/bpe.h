#pragma once
// Byte-level BPE: the base vocabulary is the 256 byte values, so any byte string (valid UTF-8 or not)
// encodes and decodes back exactly; merges learnt from a corpus join frequent adjacent tokens.
// Ids: 0..255 the bytes, then one id per merge in the order learnt, then the special tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::text {

struct BPETrainOptions {
  int64_t vocab_size = 1000;                  // 256 bytes + merges + special tokens
  int64_t min_frequency = 2;                  // pairs seen fewer times than this are never merged
  std::vector<std::string> special_tokens{};  // e.g. {"<pad>", "<eos>"}; appended after the merges
};

// Splits text into the pieces merges never cross (GPT-2 style): a run of letters (bytes >= 0x80 count as
// letters), digits or other symbols with at most one leading space, or a run of whitespace. The pieces
// concatenate back to the input.
std::vector<std::string_view> bpe_pretokenize(std::string_view text);

class ByteLevelBPE {
 public:
  // The 256 byte tokens and no merges.
  ByteLevelBPE() : ByteLevelBPE({}, {}) {}
  // Merge i joins the token pair merges[i] into token 256 + i; each pair may only use earlier ids.
  ByteLevelBPE(std::vector<std::pair<int64_t, int64_t>> merges, std::vector<std::string> special_tokens);
  // Learns merges from the corpus until vocab_size is reached or no pair is frequent enough.
  static ByteLevelBPE train(const std::vector<std::string>& corpus, const BPETrainOptions& options = {});

  // Token ids of the bytes of text (special tokens in the text are plain bytes).
  std::vector<int64_t> encode(std::string_view text) const;
  // The same as an i64 [N] tensor.
  Tensor encode_tensor(std::string_view text) const;
  // The bytes of the ids (a special token contributes its text); throws on an unknown id.
  std::string decode(const std::vector<int64_t>& ids) const;

  int64_t vocab_size() const { return static_cast<int64_t>(tokens_.size()); }
  int64_t num_merges() const { return static_cast<int64_t>(merges_.size()); }
  const std::vector<std::pair<int64_t, int64_t>>& merges() const { return merges_; }
  const std::vector<std::string>& special_tokens() const { return specials_; }
  // The bytes of one token (a special token's text).
  const std::string& token_bytes(int64_t id) const;
  // The id of a special token, or nullopt.
  std::optional<int64_t> special_id(std::string_view token) const;

  // JSON text {"type": "byte_level_bpe", "version": 1, "merges": [[a, b], ...], "special_tokens": [...]}.
  std::string to_json() const;
  static ByteLevelBPE from_json(const std::string& json, const std::string& source = "BPE JSON");
  // Writes / reads the JSON form to / from a file; errors name the file.
  void save(const std::string& path) const;
  static ByteLevelBPE load(const std::string& path);

 private:
  std::vector<int64_t> encode_piece(std::string_view piece) const;
  std::vector<std::pair<int64_t, int64_t>> merges_;
  std::vector<std::string> specials_;
  std::vector<std::string> tokens_;              // bytes of every id
  std::unordered_map<uint64_t, int32_t> ranks_;  // pair key -> merge index
};

}  // namespace strata::data::text
