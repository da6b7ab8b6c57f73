#pragma once
// Easy Data Augmentation (EDA, Wei & Zou 2019) for text: synonym replacement and random insertion of
// synonyms (WordNet), random swap and random deletion. Words are the whitespace-separated pieces of the
// text; every random choice comes from the Generator passed in, so a seed gives the same output.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/text/text_dataset.h"
#include "strata/data/text/word_tokenizer.h"
#include "strata/data/text/wordnet.h"
#include "strata/data/transforms.h"

namespace strata::data::text {

// True for common English function words ("the", "of", "is", ...), which EDA never replaces.
bool is_stop_word(std::string_view word);

// Replaces up to n distinct non-stop words (every occurrence of each) by a random WordNet synonym.
std::vector<std::string> synonym_replacement(const std::vector<std::string>& words, int64_t n,
                                             const WordNet& wordnet, Generator& gen);
// Inserts, n times, a random synonym of a random word of the sentence at a random position.
std::vector<std::string> random_insertion(const std::vector<std::string>& words, int64_t n,
                                          const WordNet& wordnet, Generator& gen);
// Swaps two random words, n times.
std::vector<std::string> random_swap(const std::vector<std::string>& words, int64_t n, Generator& gen);
// Deletes each word with probability p; never returns an empty sentence for a non-empty input (one random
// word survives when all would go).
std::vector<std::string> random_deletion(const std::vector<std::string>& words, double p, Generator& gen);

struct EDAOptions {
  double alpha_sr = 0.1;  // synonym replacement: n = max(1, round(alpha_sr * words)); 0 turns it off
  double alpha_ri = 0.1;  // random insertion: n = max(1, round(alpha_ri * words))
  double alpha_rs = 0.1;  // random swap: n = max(1, round(alpha_rs * words))
  double p_rd = 0.1;      // random deletion: per-word probability
};

// Applies one of the enabled operations, chosen uniformly at random, per call.
class EDA {
 public:
  // wordnet may be null when alpha_sr and alpha_ri are 0.
  explicit EDA(std::shared_ptr<const WordNet> wordnet, EDAOptions options = {});
  // One augmented variant of text (words joined by single spaces).
  std::string operator()(const std::string& text, Generator& gen) const;
  // n variants.
  std::vector<std::string> augment(const std::string& text, int64_t n, Generator& gen) const;
  // As a TextClassificationDataset transform.
  TextTransform transform() const;
  const EDAOptions& options() const { return options_; }

 private:
  std::shared_ptr<const WordNet> wordnet_;
  EDAOptions options_;
};

// A Tensor transform (for TransformDataset) on i64 word-id sequences: decodes with the tokenizer, applies
// EDA and encodes again. Its randomness is seeded by (seed, the ids), so the same input always gets the same
// variant; for fresh variants per epoch use TextClassificationDataset's transform.
transforms::Transform eda_transform(std::shared_ptr<const EDA> eda,
                                    std::shared_ptr<const WordTokenizer> tokenizer, uint64_t seed);

}  // namespace strata::data::text
