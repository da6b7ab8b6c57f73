#pragma once
// The tokenizers of the text datasets (text-lm, text-folder): fitted on the training split of a config by
// `strata train`, saved in the run folder as tokenizer.json, and read back from there by `strata eval` and
// `strata generate` (which fit again, with a note, when a run folder has none).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "strata/data/text/bpe.h"
#include "strata/data/text/char_tokenizer.h"
#include "strata/data/text/word_tokenizer.h"

namespace strata::cli {

// The masked-LM mask token of word vocabularies.
inline constexpr const char* kMaskToken = "<mask>";

// The special tokens of a bpe tokenizer, after its merges.
inline const std::vector<std::string> kBpeSpecialTokens = {"<pad>", "<bos>", "<eos>"};

// A char, word or byte-level BPE tokenizer, as data.text.tokenizer names it.
class TextTokenizer {
 public:
  // Fits the vocabulary (min_freq, max_vocab, lowercase of `t`; bpe: vocab_size merges and specials
  // kBpeSpecialTokens) on the training texts.
  static TextTokenizer fit(const TextDataConfig& t, const std::vector<std::string>& texts);
  // Token ids of text (at most max_length when > 0).
  std::vector<int64_t> encode(std::string_view text, int64_t max_length = 0) const;
  // Text of the ids (special tokens dropped; words joined by spaces).
  std::string decode(const std::vector<int64_t>& ids) const;
  int64_t vocab_size() const;
  // The id of <pad> (0 for char and word, whose specials come first; after the merges for bpe).
  int64_t pad_id() const;
  // The id of a special token such as "<bos>"; throws naming the tokenizer when it has none.
  int64_t special_id(const std::string& token) const;
  // The byte-level BPE, or null for char and word tokenizers.
  const data::text::ByteLevelBPE* bpe() const { return bpe_ ? &*bpe_ : nullptr; }
  // True for a word tokenizer (decoded words are joined by spaces).
  bool words() const { return word_.has_value(); }
  // The id of <mask> (word tokenizers fitted for masked-LM pre-training), or nullopt.
  std::optional<int64_t> mask_id() const;
  // The ids of the special tokens (<pad>, <unk>, <bos>, <eos>, <mask>).
  std::vector<int64_t> special_ids() const;
  // The tokenizer's own JSON (its "type" says which: char, word or byte_level_bpe).
  std::string to_json() const;
  // Reads to_json(); throws naming `source` when the JSON is not a char, word or bpe tokenizer.
  static TextTokenizer from_json(const std::string& json, const std::string& source);

 private:
  std::optional<data::text::CharTokenizer> char_;
  std::optional<data::text::WordTokenizer> word_;
  std::optional<data::text::ByteLevelBPE> bpe_;
};

// A text-lm config's text: the training part (the start), the held-out end, and the tokenizer fitted on
// the training part.
struct LanguageModelText {
  std::string train, test;
  TextTokenizer tokenizer;
};
LanguageModelText load_language_model_text(const Config& c);

// The file in a run folder that holds the fitted tokenizer.
inline constexpr const char* kTokenizerFile = "tokenizer.json";
// Writes the tokenizer to run_dir/tokenizer.json.
void save_tokenizer(const TextTokenizer& tokenizer, const std::string& run_dir);
// The tokenizer of run_dir/tokenizer.json; nullopt when the run folder has none.
std::optional<TextTokenizer> load_tokenizer(const std::string& run_dir);

}  // namespace strata::cli
