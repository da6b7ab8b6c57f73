#pragma once
// Decoding a sequence-to-sequence model: greedy search and beam search over a batch of sources at once.
// The model is seen through one function that scores the next token of many prefixes in one call, so an
// encoder runs once per batch and each step costs one decoder call for all live hypotheses.
#include <cstdint>
#include <functional>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::text {

// Log-probabilities f32/f64 [N, V] of the token after each prefix: prefixes i64 [N, t] (each starting with
// <bos>, all of one length t), rows[i] the batch row (source) prefix i belongs to.
using NextTokenScores = std::function<Tensor(const Tensor& prefixes, const std::vector<int64_t>& rows)>;

struct SearchOptions {
  int64_t bos_id = 1;
  int64_t eos_id = 2;
  int64_t max_length = 64;      // generated tokens per sequence, <eos> included
  int64_t beam_size = 1;        // 1: greedy search
  double length_penalty = 1.0;  // beam scores are sum log p / length^length_penalty (0: raw sums)
};

// One decoded sequence: its tokens without <bos> and <eos>, and its (length-normalised) score.
struct Hypothesis {
  std::vector<int64_t> tokens;
  double score = 0.0;
};

// The most likely token at each step, for batch_size rows; a row ends at <eos> or max_length.
std::vector<Hypothesis> greedy_search(const NextTokenScores& next, int64_t batch_size,
                                      const SearchOptions& options);

// Beam search with beam_size hypotheses per row: each step extends every live hypothesis by its best
// tokens, keeps the beam_size best extensions that do not end, and moves those ending in <eos> (among the
// beam_size best) to the row's finished list; a row is done once it has beam_size finished hypotheses or
// reaches max_length (its live hypotheses then finish as they are). Returns each row's best finished
// hypothesis by length-normalised score. beam_size 1 gives greedy_search's tokens.
std::vector<Hypothesis> beam_search(const NextTokenScores& next, int64_t batch_size,
                                    const SearchOptions& options);

}  // namespace strata::data::text
