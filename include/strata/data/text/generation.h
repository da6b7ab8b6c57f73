#pragma once
// Sampling tokens from a language model's logits: temperature, top-k and top-p (nucleus).
#include <functional>
#include <vector>

#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::data::text {

struct SamplingOptions {
  double temperature = 1.0;  // logits are divided by it; 0 picks the most likely token (greedy)
  int64_t top_k = 0;         // sample among the k most likely tokens only (0: all)
  // Nucleus sampling: sample among the fewest most likely tokens whose probabilities (after temperature and
  // top_k) sum to at least top_p (1: all; the most likely token always stays).
  double top_p = 1.0;
};

// Draws a token id from logits [V] (any floating dtype, any device): softmax(logits / temperature) restricted
// to the top_k largest logits, then to the top_p nucleus of those.
int64_t sample_token(const Tensor& logits, const SamplingOptions& options, Generator& gen);

// Feeds the prompt ids to `step` one by one (step(id) consumes a token and returns the logits [V] of the
// next one), then samples `count` new tokens, feeding each back. Returns the new tokens only.
std::vector<int64_t> generate_tokens(const std::function<Tensor(int64_t)>& step,
                                     const std::vector<int64_t>& prompt, int64_t count,
                                     const SamplingOptions& options, Generator& gen);

}  // namespace strata::data::text
