// CTC decoders. The beam search keeps, for each prefix, the log-probability of its alignments that end in
// a blank and of those that end in its last label, so that a repeated label is merged only when no blank
// separates it (Hannun et al., 2014, without a language model).
#include "strata/audio/ctc_decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace strata::audio {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

std::vector<double> rows_of(const Tensor& log_probs, const char* op, int64_t blank) {
  STRATA_CHECK(log_probs.defined() && log_probs.dim() == 2 && log_probs.is_floating_point(),
               "{}: log_probs must be floating [T, C], got {}", op,
               log_probs.defined() ? log_probs.shape().str() : "undefined");
  STRATA_CHECK(blank >= 0 && blank < log_probs.size(1), "{}: blank {} is not a class of C = {}", op, blank,
               log_probs.size(1));
  return log_probs.to_vector<double>();
}

struct Beam {
  double blank = kNegInf, label = kNegInf;
  double total() const { return log_add(blank, label); }
};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

template <typename Seq>
int64_t levenshtein(const Seq& a, const Seq& b) {
  std::vector<int64_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <typename Split>
double error_rate(const std::vector<std::string>& hyp, const std::vector<std::string>& ref, const char* op,
                  Split split) {
  STRATA_CHECK(hyp.size() == ref.size(), "{}: {} hypotheses for {} references", op, hyp.size(), ref.size());
  int64_t errors = 0, total = 0;
  for (size_t i = 0; i < hyp.size(); ++i) {
    const auto h = split(hyp[i]), r = split(ref[i]);
    errors += levenshtein(h, r);
    total += static_cast<int64_t>(r.size());
  }
  STRATA_CHECK(total > 0, "{}: the references are empty", op);
  return static_cast<double>(errors) / static_cast<double>(total);
}

}  // namespace

std::vector<int64_t> ctc_greedy_decode(const Tensor& log_probs, int64_t blank) {
  const auto p = rows_of(log_probs, "ctc_greedy_decode", blank);
  const int64_t T = log_probs.size(0), C = log_probs.size(1);
  std::vector<int64_t> out;
  int64_t previous = -1;
  for (int64_t t = 0; t < T; ++t) {
    const auto row = p.begin() + t * C;
    const auto best = static_cast<int64_t>(std::max_element(row, row + C) - row);
    if (best != blank && best != previous) out.push_back(best);
    previous = best;
  }
  return out;
}

std::vector<CtcHypothesis> ctc_beam_search(const Tensor& log_probs, int64_t beam_width, int64_t blank) {
  const auto p = rows_of(log_probs, "ctc_beam_search", blank);
  STRATA_CHECK(beam_width >= 1, "ctc_beam_search: beam_width must be positive, got {}", beam_width);
  const int64_t T = log_probs.size(0), C = log_probs.size(1);
  std::map<std::vector<int64_t>, Beam> beams{{{}, Beam{0.0, kNegInf}}};
  for (int64_t t = 0; t < T; ++t) {
    const double* row = p.data() + t * C;
    std::map<std::vector<int64_t>, Beam> next;
    for (const auto& [prefix, beam] : beams) {
      // Stay on the prefix through a blank, or by repeating its last label.
      Beam& same = next[prefix];
      same.blank = log_add(same.blank, beam.total() + row[blank]);
      if (!prefix.empty()) same.label = log_add(same.label, beam.label + row[prefix.back()]);
      for (int64_t c = 0; c < C; ++c) {
        if (c == blank) continue;
        std::vector<int64_t> extended = prefix;
        extended.push_back(c);
        Beam& e = next[extended];
        // A repeat of the last label extends the prefix only after a blank.
        const double from = !prefix.empty() && prefix.back() == c ? beam.blank : beam.total();
        e.label = log_add(e.label, from + row[c]);
      }
    }
    std::vector<std::pair<std::vector<int64_t>, Beam>> ranked;
    for (auto& entry : next)
      if (entry.second.total() != kNegInf) ranked.push_back(std::move(entry));  // unreachable prefixes
    const auto keep = std::min<size_t>(static_cast<size_t>(beam_width), ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
                      [](const auto& a, const auto& b) { return a.second.total() > b.second.total(); });
    ranked.resize(keep);
    beams = std::map<std::vector<int64_t>, Beam>(ranked.begin(), ranked.end());
  }
  std::vector<CtcHypothesis> out;
  for (const auto& [prefix, beam] : beams) out.push_back({prefix, beam.total()});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.log_prob > b.log_prob; });
  return out;
}

int64_t edit_distance(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  return levenshtein(a, b);
}

double character_error_rate(const std::vector<std::string>& hypotheses,
                            const std::vector<std::string>& references) {
  return error_rate(hypotheses, references, "character_error_rate", [](const std::string& s) { return s; });
}

double word_error_rate(const std::vector<std::string>& hypotheses,
                       const std::vector<std::string>& references) {
  return error_rate(hypotheses, references, "word_error_rate", split_words);
}

}  // namespace strata::audio
