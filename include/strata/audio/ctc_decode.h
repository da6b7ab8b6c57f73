#pragma once
// CTC decoding: best path (greedy) and prefix beam search over per-step log-probabilities, and the
// error rates of transcripts (character and word error rates by Levenshtein distance).
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::audio {

// Argmax at each step of log_probs [T, C], repeats merged, blanks removed.
std::vector<int64_t> ctc_greedy_decode(const Tensor& log_probs, int64_t blank = 0);

// One decoded label sequence and its log-probability (summed over the alignments that produce it).
struct CtcHypothesis {
  std::vector<int64_t> tokens;
  double log_prob = 0.0;
};

// Prefix beam search over log_probs [T, C]: the beam_width most probable label sequences, best first.
std::vector<CtcHypothesis> ctc_beam_search(const Tensor& log_probs, int64_t beam_width = 8,
                                           int64_t blank = 0);

// Levenshtein distance (insertions, deletions, substitutions) between two sequences.
int64_t edit_distance(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

// Character error rate: total edit distance over total reference length (characters of each string).
double character_error_rate(const std::vector<std::string>& hypotheses,
                            const std::vector<std::string>& references);
// Word error rate: the same over whitespace-separated words.
double word_error_rate(const std::vector<std::string>& hypotheses,
                       const std::vector<std::string>& references);

}  // namespace strata::audio
