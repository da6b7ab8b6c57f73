#pragma once
// Language modelling over a token stream: fixed windows (input = tokens[s, s+T), target = tokens[s+1, s+T+1))
// and the bits-per-token measures used to report such models.
#include "strata/data/dataset.h"

namespace strata::data::text {

class LanguageModelDataset : public Dataset {
 public:
  // tokens: i64 [N]. Window i starts at i * stride (stride 0: seq_len, i.e. non-overlapping windows).
  LanguageModelDataset(Tensor tokens, int64_t seq_len, int64_t stride = 0);
  int64_t size() const override { return size_; }
  // input i64 [seq_len] and target i64 [seq_len] (the next tokens), as views of the stream.
  Example get(int64_t index) const override;
  const Tensor& tokens() const { return tokens_; }
  int64_t seq_len() const { return seq_len_; }
  int64_t stride() const { return stride_; }

 private:
  Tensor tokens_;
  int64_t seq_len_, stride_, size_;
};

// Splits an i64 [N] stream into a head of round(fraction * N) tokens and the rest (views).
std::pair<Tensor, Tensor> split_stream(const Tensor& tokens, double fraction);

// Cross-entropy in bits per token of a unigram model fitted on train_tokens (add-`smoothing` counts over
// vocab_size symbols), measured on eval_tokens: the baseline a sequence model has to beat.
double unigram_bits_per_token(const Tensor& train_tokens, const Tensor& eval_tokens, int64_t vocab_size,
                              double smoothing = 1.0);

// Converts a mean cross-entropy in nats per token into bits per token.
double nats_to_bits(double nats);

}  // namespace strata::data::text
