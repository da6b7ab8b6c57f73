#pragma once
// Character-level tokenizer: one token per UTF-8 character (code point); bytes that are not well-formed
// UTF-8 are tokens of their own.
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/text/vocab.h"

namespace strata::data::text {

struct CharTokenizerOptions {
  bool lowercase = false;  // lower ASCII letters before counting and encoding
  int64_t min_freq = 1;
  int64_t max_size = 0;                                    // 0: every character seen
  std::vector<std::string> specials = {"<pad>", "<unk>"};  // unseen characters map to <unk>
};

class CharTokenizer {
 public:
  CharTokenizer() = default;
  // Uses an existing vocabulary (e.g. loaded from JSON).
  explicit CharTokenizer(Vocab vocab, bool lowercase = false);
  // Builds the vocabulary from the characters of `text`.
  static CharTokenizer fit(std::string_view text, const CharTokenizerOptions& options = {});

  // The characters of text (as the tokenizer sees them: lowered when lowercase is on).
  std::vector<std::string> tokenize(std::string_view text) const;
  // Token ids of every character (unknown ones -> <unk>).
  std::vector<int64_t> encode(std::string_view text) const;
  // The same as an i64 [N] tensor.
  Tensor encode_tensor(std::string_view text) const;
  // Text of the ids: <pad>, <bos> and <eos> are dropped, <unk> becomes U+FFFD.
  std::string decode(const std::vector<int64_t>& ids) const;

  const Vocab& vocab() const { return vocab_; }
  int64_t vocab_size() const { return vocab_.size(); }
  bool lowercase() const { return lowercase_; }

  // JSON text {"type": "char", "lowercase": .., "vocab": {..}} and back.
  std::string to_json() const;
  static CharTokenizer from_json(const std::string& json, const std::string& source = "CharTokenizer JSON");

 private:
  Vocab vocab_;
  bool lowercase_ = false;
};

}  // namespace strata::data::text
