#include "strata/metrics/bleu.h"

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>

#include "strata/core/error.h"

namespace strata::metrics {
namespace {

using NGramCounts = std::map<std::vector<std::string_view>, int64_t>;

NGramCounts count_ngrams(const Tokens& tokens, size_t n) {
  NGramCounts counts;
  if (tokens.size() < n) return counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i) {
    std::vector<std::string_view> key(tokens.begin() + static_cast<ptrdiff_t>(i),
                                      tokens.begin() + static_cast<ptrdiff_t>(i + n));
    ++counts[key];
  }
  return counts;
}

// Length of the reference closest to hyp_len; the shorter one on a tie.
int64_t closest_ref_length(const std::vector<Tokens>& refs, int64_t hyp_len) {
  int64_t best = -1;
  for (const auto& r : refs) {
    const auto len = static_cast<int64_t>(r.size());
    if (best < 0 || std::llabs(len - hyp_len) < std::llabs(best - hyp_len) ||
        (std::llabs(len - hyp_len) == std::llabs(best - hyp_len) && len < best)) {
      best = len;
    }
  }
  return best;
}

// Byte length of the punctuation mark starting text[i], or 0.
size_t punctuation_at(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return std::ispunct(c) != 0 ? 1 : 0;
  if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
    const auto c2 = static_cast<unsigned char>(text[i + 2]);
    if ((c2 >= 0x90 && c2 <= 0x9F) || c2 == 0xA6) return 3;  // U+2010..U+201F, U+2026
  }
  if (c == 0xC2 && i + 1 < text.size()) {
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if (c1 == 0xAB || c1 == 0xBB || c1 == 0xBF || c1 == 0xA1) return 2;  // « » ¿ ¡
  }
  return 0;
}

}  // namespace

double corpus_bleu(const std::vector<std::vector<Tokens>>& references, const std::vector<Tokens>& hypotheses,
                   const BleuOptions& options) {
  STRATA_CHECK(references.size() == hypotheses.size(),
               "corpus_bleu: {} reference lists for {} hypotheses; they must pair up", references.size(),
               hypotheses.size());
  STRATA_CHECK(options.max_n >= 1, "corpus_bleu: max_n must be at least 1, got {}", options.max_n);
  const auto max_n = static_cast<size_t>(options.max_n);
  std::vector<double> weights = options.weights;
  if (weights.empty()) weights.assign(max_n, 1.0 / static_cast<double>(max_n));
  STRATA_CHECK(weights.size() == max_n, "corpus_bleu: {} weights for max_n = {}; give one per n-gram order",
               weights.size(), max_n);
  std::vector<int64_t> numerators(max_n + 1, 0), denominators(max_n + 1, 0);
  int64_t hyp_length = 0, ref_length = 0;
  for (size_t s = 0; s < hypotheses.size(); ++s) {
    const auto& refs = references[s];
    const auto& hyp = hypotheses[s];
    STRATA_CHECK(!refs.empty(), "corpus_bleu: sentence {} has no reference", s);
    for (size_t n = 1; n <= max_n; ++n) {
      const NGramCounts counts = count_ngrams(hyp, n);
      NGramCounts max_ref;
      for (const auto& r : refs) {
        for (const auto& [gram, c] : count_ngrams(r, n)) {
          if (counts.count(gram) != 0) max_ref[gram] = std::max(max_ref[gram], c);
        }
      }
      int64_t clipped = 0, total = 0;
      for (const auto& [gram, c] : counts) {
        const auto it = max_ref.find(gram);
        clipped += std::min(c, it == max_ref.end() ? int64_t{0} : it->second);
        total += c;
      }
      numerators[n] += clipped;
      denominators[n] += std::max<int64_t>(1, total);
    }
    const auto len = static_cast<int64_t>(hyp.size());
    hyp_length += len;
    ref_length += closest_ref_length(refs, len);
  }
  if (numerators[1] == 0) return 0.0;
  double bp = 1.0;
  if (hyp_length <= ref_length) {
    bp = hyp_length == 0 ? 0.0
                         : std::exp(1.0 - static_cast<double>(ref_length) / static_cast<double>(hyp_length));
  }
  double log_sum = 0.0;
  for (size_t n = 1; n <= max_n; ++n) {
    const double p = numerators[n] == 0
                         ? DBL_MIN
                         : static_cast<double>(numerators[n]) / static_cast<double>(denominators[n]);
    log_sum += weights[n - 1] * std::log(p);
  }
  return bp * std::exp(log_sum);
}

Tokens bleu_tokenize(std::string_view text) {
  Tokens tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      flush();
      ++i;
      continue;
    }
    if (const size_t len = punctuation_at(text, i); len > 0) {
      flush();
      tokens.emplace_back(text.substr(i, len));
      i += len;
      continue;
    }
    word.push_back(c);
    ++i;
  }
  flush();
  return tokens;
}

}  // namespace strata::metrics
