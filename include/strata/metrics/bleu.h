#pragma once
// Corpus BLEU (Papineni et al. 2002) on token lists, computed as nltk.translate.bleu_score.corpus_bleu does
// without smoothing: clipped n-gram counts summed over the corpus, the closest reference length per sentence
// (the shorter on a tie), brevity penalty exp(1 - r / c) when c <= r, 0 when no unigram matches, and the
// smallest positive double in place of a zero higher-order precision.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::metrics {

using Tokens = std::vector<std::string>;

struct BleuOptions {
  int64_t max_n = 4;              // n-gram orders 1..max_n
  std::vector<double> weights{};  // one per order; empty: 1 / max_n each
};

// Corpus BLEU in [0, 1] of hypotheses[i] against its references[i] (one or more token lists each); throws
// when the lengths differ, a sentence has no reference, or the weights do not match max_n.
double corpus_bleu(const std::vector<std::vector<Tokens>>& references, const std::vector<Tokens>& hypotheses,
                   const BleuOptions& options = {});

// The tokens BLEU is computed on for detokenised text: runs of characters between spaces, with each
// punctuation mark (ASCII punctuation and the typographic quotes, dashes and ellipsis of U+2010..U+201F,
// U+2026) split off as a token of its own; case is kept.
Tokens bleu_tokenize(std::string_view text);

}  // namespace strata::metrics
