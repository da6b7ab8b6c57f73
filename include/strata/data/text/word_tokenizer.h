#pragma once
// Word-level tokenizer: whitespace splitting, optional ASCII lower-casing and punctuation splitting, and a
// vocabulary with <pad>, <unk>, <bos>, <eos>, min_freq and max_size.
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/text/vocab.h"

namespace strata::data::text {

struct WordTokenizerOptions {
  bool lowercase = true;
  // Each ASCII punctuation mark becomes a token of its own, except an apostrophe or hyphen between two
  // letters or digits ("don't", "well-known" stay whole).
  bool split_punctuation = true;
  int64_t min_freq = 1;
  int64_t max_size = 0;  // 0: no limit (specials included in the count)
  std::vector<std::string> specials = {"<pad>", "<unk>", "<bos>", "<eos>"};
  bool add_bos = false;  // encode() starts with <bos>
  bool add_eos = false;  // encode() ends with <eos>
};

class WordTokenizer {
 public:
  explicit WordTokenizer(WordTokenizerOptions options = {});
  // A tokenizer with a ready vocabulary (e.g. loaded from JSON).
  WordTokenizer(Vocab vocab, WordTokenizerOptions options);
  // Tokenizes the texts and builds the vocabulary from them.
  static WordTokenizer fit(const std::vector<std::string>& texts, WordTokenizerOptions options = {});

  // The words of text (no vocabulary needed).
  std::vector<std::string> tokenize(std::string_view text) const;
  // Ids of the words (unknown -> <unk>), with <bos>/<eos> when the options ask; at most max_length ids
  // when max_length > 0 (the <eos> is kept as the last one).
  std::vector<int64_t> encode(std::string_view text, int64_t max_length = 0) const;
  // The same as an i64 [N] tensor.
  Tensor encode_tensor(std::string_view text, int64_t max_length = 0) const;
  // Words of the ids joined by single spaces; <pad>, <bos> and <eos> are dropped.
  std::string decode(const std::vector<int64_t>& ids) const;

  const Vocab& vocab() const { return vocab_; }
  int64_t vocab_size() const { return vocab_.size(); }
  const WordTokenizerOptions& options() const { return options_; }

  // JSON text with the options and vocabulary, and back.
  std::string to_json() const;
  static WordTokenizer from_json(const std::string& json, const std::string& source = "WordTokenizer JSON");

 private:
  WordTokenizerOptions options_;
  Vocab vocab_;
};

}  // namespace strata::data::text
