#pragma once
// Padding-aware sequence layers (the `strata` CLI's config-built text models use them). A Sequential hands
// each layer one tensor, so the real lengths of a padded batch travel beside it: an embedding with
// padding_idx reads them off the token ids (one past the last token that is not padding, like Keras'
// Embedding(mask_zero=True)) and the recurrent layers and pools over time of the same model use them, so
// padding never reaches their outputs.
#include <memory>

#include "strata/nn/embedding.h"
#include "strata/nn/rnn.h"

namespace strata::nn {

// The lengths of the batch in flight, shared by the layers of one model.
struct SequenceMask {
  Tensor lengths;     // i64 [batch]; undefined: every step is real
  int64_t steps = 0;  // the padded length they belong to
};
using SequenceMaskPtr = std::shared_ptr<SequenceMask>;

// The lengths for an input [batch, steps, ...] (undefined when no padding was seen); throws naming `layer`
// when the input does not line up with the token batch they came from.
Tensor lengths_for(const SequenceMask& mask, const Tensor& input, const char* layer);

// nn::Embedding that, with padding_idx, records each batch's lengths in the mask.
class MaskingEmbeddingImpl : public EmbeddingImpl {
 public:
  MaskingEmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx,
                       SequenceMaskPtr mask);
  Tensor forward(const Tensor& indices) override;
  // The mask this embedding fills.
  const SequenceMaskPtr& mask() const { return mask_; }

 private:
  SequenceMaskPtr mask_;
};

// nn::RNN, nn::LSTM and nn::GRU (batch first) over the real steps of each sequence. With return_sequences
// false they give the final hidden state of the last layer, directions concatenated ([batch, dirs * H],
// Keras' return_sequences=False) instead of the output at every step.
class MaskedRNNImpl : public RNNImpl {
 public:
  MaskedRNNImpl(int64_t input_size, int64_t hidden_size, RNNOptions options, bool return_sequences,
                SequenceMaskPtr mask);
  using RNNImpl::forward;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  bool return_sequences;
  // The mask whose lengths this layer reads.
  const SequenceMaskPtr& mask() const { return mask_; }

 private:
  SequenceMaskPtr mask_;
};

class MaskedLSTMImpl : public LSTMImpl {
 public:
  MaskedLSTMImpl(int64_t input_size, int64_t hidden_size, LSTMOptions options, bool return_sequences,
                 SequenceMaskPtr mask);
  using LSTMImpl::forward;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  bool return_sequences;
  // The mask whose lengths this layer reads.
  const SequenceMaskPtr& mask() const { return mask_; }

 private:
  SequenceMaskPtr mask_;
};

class MaskedGRUImpl : public GRUImpl {
 public:
  MaskedGRUImpl(int64_t input_size, int64_t hidden_size, GRUOptions options, bool return_sequences,
                SequenceMaskPtr mask);
  using GRUImpl::forward;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  bool return_sequences;
  // The mask whose lengths this layer reads.
  const SequenceMaskPtr& mask() const { return mask_; }

 private:
  SequenceMaskPtr mask_;
};

// [batch, steps, features] -> [batch, features]: the mean or the maximum over the real steps (Keras'
// GlobalAveragePooling1D / GlobalMaxPooling1D).
class GlobalPool1dImpl : public Module {
 public:
  enum class Kind { Avg, Max };
  GlobalPool1dImpl(Kind kind, SequenceMaskPtr mask);
  Tensor forward(const Tensor& input) override;
  // Mean or maximum.
  Kind kind() const { return kind_; }
  // The mask whose lengths this pool reads.
  const SequenceMaskPtr& mask() const { return mask_; }

 private:
  Kind kind_;
  SequenceMaskPtr mask_;
};

}  // namespace strata::nn
