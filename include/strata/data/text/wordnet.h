#pragma once
// WordNet synonyms, read directly from the dictionary files of the Debian package wordnet-base
// (index.{noun,verb,adj,adv} and data.{noun,verb,adj,adv} under /usr/share/wordnet).
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/data/text/vocab.h"

namespace strata::data::text {

class WordNet {
 public:
  // The folder read by default: $STRATA_WORDNET when set, else /usr/share/wordnet.
  static std::string default_dir();
  // Loads the index and data files of the four parts of speech from `dir` (default above). A missing file
  // raises an error naming it and the package wordnet-base.
  static std::shared_ptr<const WordNet> load(const std::string& dir = "");

  // Lemmas that share a synset with `word` (looked up lower-cased; spaces or underscores join the words of
  // a collocation), in any part of speech: lower-case, "_" shown as " ", sorted, without `word` itself.
  std::vector<std::string> synonyms(std::string_view word) const;
  // True when `word` is a lemma of some part of speech.
  bool contains(std::string_view word) const;
  // Number of distinct lemmas in the index files.
  size_t num_lemmas() const { return index_.size(); }

 private:
  struct Sense {
    uint8_t pos;      // 0 noun, 1 verb, 2 adj, 3 adv
    uint32_t offset;  // byte offset of the synset's line in data.<pos>
  };
  std::string dir_;
  std::string data_[4];
  std::unordered_map<std::string, std::vector<Sense>, StringHash, std::equal_to<>> index_;
};

}  // namespace strata::data::text
