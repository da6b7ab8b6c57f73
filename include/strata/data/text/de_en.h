#pragma once
// German-English sentence pairs from the Debian package trans-de-en (Frank Richter's dictionary, GPL; read
// from the installed package, never copied). Each line is `German :: English`; both sides hold
// `|`-separated sub-entries aligned one to one, and some sub-entries are whole example sentences, e.g.
//   Abänderung {f}; ... | Ich habe ein paar Änderungen vorgenommen. :: modification | I've made ... changes.
// A pair is kept when, after dropping the {..} and [..] annotations and collapsing spaces, both aligned
// sub-entries are sentences: they start with an upper-case letter (or a digit / opening quote), end with
// . ! or ?, hold at least min_words words and no `;` (which separates alternative glosses, not sentences).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::data::text {

// One German sentence and its English translation.
struct SentencePair {
  std::string source;  // German
  std::string target;  // English
  bool operator==(const SentencePair&) const = default;
};

struct DeEnOptions {
  int64_t min_words = 2;  // shorter sub-entries (interjections such as "Prost!") are not sentences
};

// The installed dictionary: $STRATA_DE_EN when set, else /usr/share/trans/de-en.
std::string de_en_path();

// The sentence pairs of dictionary text (the file's contents), deduplicated, in file order; `source` names
// the text in errors.
std::vector<SentencePair> parse_de_en(std::string_view text, const DeEnOptions& options = {},
                                      const std::string& source = "de-en text");

// The sentence pairs of the dictionary file (default de_en_path()); a missing file raises an error naming
// the package trans-de-en.
std::vector<SentencePair> load_de_en_sentences(const std::string& path = "", const DeEnOptions& options = {});

// True when a cleaned sub-entry counts as a sentence (see the top of this header).
bool is_sentence(std::string_view text, int64_t min_words = 2);

// A sub-entry without its {..} / [..] annotations, with runs of spaces collapsed and the ends trimmed.
std::string strip_annotations(std::string_view text);

struct TranslationSplits {
  std::vector<SentencePair> train, valid, test;
};

// Splits pairs by a 64-bit FNV-1a hash of the German sentence: the same sentence always lands in the same
// split, whatever the file order, and all translations of one sentence stay together.
TranslationSplits split_translation_pairs(const std::vector<SentencePair>& pairs,
                                          double valid_fraction = 0.05, double test_fraction = 0.05);

}  // namespace strata::data::text
