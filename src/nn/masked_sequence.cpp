#include "strata/nn/masked_sequence.h"

#include <limits>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/data/text/collate.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"

namespace strata::nn {
namespace {

// The final hidden state of the last layer, directions side by side: h_n [layers * dirs, B, H] -> [B, dirs *
// H].
Tensor last_layer_state(const Tensor& h_n, int64_t num_directions, const char* layer) {
  STRATA_CHECK(h_n.dim() == 3, "{}: return_sequences false needs a batched input [batch, steps, features]",
               layer);
  const int64_t batch = h_n.size(1), hidden = h_n.size(2);
  return h_n.narrow(0, h_n.size(0) - num_directions, num_directions)
      .permute(Shape{1, 0, 2})
      .reshape(Shape{batch, num_directions * hidden});
}

std::string with_return_sequences(std::string repr, bool return_sequences) {
  return return_sequences ? repr : repr + ", return_sequences=False";
}

}  // namespace

Tensor lengths_for(const SequenceMask& mask, const Tensor& input, const char* layer) {
  if (!mask.lengths.defined()) return {};
  STRATA_CHECK(input.dim() >= 2 && input.size(0) == mask.lengths.size(0) && input.size(1) == mask.steps,
               "{}: input of shape {} does not line up with the padded token batch [{}, {}] whose lengths it "
               "needs (keep the batch and step dimensions between the embedding and this layer)",
               layer, input.shape().str(), mask.lengths.size(0), mask.steps);
  return mask.lengths;
}

MaskingEmbeddingImpl::MaskingEmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim,
                                           std::optional<int64_t> padding_idx, SequenceMaskPtr mask)
    : EmbeddingImpl(num_embeddings, embedding_dim, padding_idx), mask_(std::move(mask)) {}

Tensor MaskingEmbeddingImpl::forward(const Tensor& indices) {
  mask_->lengths = Tensor();
  mask_->steps = 0;
  if (padding_idx && indices.defined() && indices.dim() == 2 && indices.dtype() == kInt64) {
    mask_->lengths = data::text::sequence_lengths(indices, *padding_idx);
    mask_->steps = indices.size(1);
  }
  return EmbeddingImpl::forward(indices);
}

MaskedRNNImpl::MaskedRNNImpl(int64_t input_size, int64_t hidden_size, RNNOptions options,
                             bool return_sequences, SequenceMaskPtr mask)
    : RNNImpl(input_size, hidden_size, options), return_sequences(return_sequences), mask_(std::move(mask)) {}

Tensor MaskedRNNImpl::forward(const Tensor& input) {
  const RNNOutput out = RNNImpl::forward(input, Tensor(), lengths_for(*mask_, input, "RNN"));
  return return_sequences ? out.output : last_layer_state(out.h_n, num_directions(), "RNN");
}

std::string MaskedRNNImpl::extra_repr() const {
  return with_return_sequences(RNNImpl::extra_repr(), return_sequences);
}

MaskedLSTMImpl::MaskedLSTMImpl(int64_t input_size, int64_t hidden_size, LSTMOptions options,
                               bool return_sequences, SequenceMaskPtr mask)
    : LSTMImpl(input_size, hidden_size, options),
      return_sequences(return_sequences),
      mask_(std::move(mask)) {}

Tensor MaskedLSTMImpl::forward(const Tensor& input) {
  const LSTMOutput out = LSTMImpl::forward(input, LSTMState{}, lengths_for(*mask_, input, "LSTM"));
  return return_sequences ? out.output : last_layer_state(out.state.h, num_directions(), "LSTM");
}

std::string MaskedLSTMImpl::extra_repr() const {
  return with_return_sequences(LSTMImpl::extra_repr(), return_sequences);
}

MaskedGRUImpl::MaskedGRUImpl(int64_t input_size, int64_t hidden_size, GRUOptions options,
                             bool return_sequences, SequenceMaskPtr mask)
    : GRUImpl(input_size, hidden_size, options), return_sequences(return_sequences), mask_(std::move(mask)) {}

Tensor MaskedGRUImpl::forward(const Tensor& input) {
  const RNNOutput out = GRUImpl::forward(input, Tensor(), lengths_for(*mask_, input, "GRU"));
  return return_sequences ? out.output : last_layer_state(out.h_n, num_directions(), "GRU");
}

std::string MaskedGRUImpl::extra_repr() const {
  return with_return_sequences(GRUImpl::extra_repr(), return_sequences);
}

GlobalPool1dImpl::GlobalPool1dImpl(Kind kind, SequenceMaskPtr mask)
    : Module(kind == Kind::Avg ? "GlobalAvgPool1d" : "GlobalMaxPool1d"),
      kind_(kind),
      mask_(std::move(mask)) {}

Tensor GlobalPool1dImpl::forward(const Tensor& input) {
  const char* name = kind_ == Kind::Avg ? "global_avg_pool1d" : "global_max_pool1d";
  STRATA_CHECK(input.defined() && input.dim() == 3,
               "{}: expected input [batch, steps, features], got shape {}", name,
               input.defined() ? input.shape().str() : "undefined");
  const Tensor lengths = lengths_for(*mask_, input, name);
  if (!lengths.defined()) return kind_ == Kind::Avg ? ops::mean(input, Shape{1}) : ops::amax(input, Shape{1});
  // Steps at or past a sequence's length are padding: [B, T, 1], true there.
  Tensor padding, counts;
  {
    NoGradGuard no_grad;
    const Tensor on_device = lengths.to(input.device());
    const Tensor steps =
        arange(static_cast<double>(input.size(1)), {.dtype = kInt64, .device = input.device()});
    padding = ops::ge(steps.unsqueeze(0), on_device.unsqueeze(1)).unsqueeze(2);
    counts = on_device.to(input.dtype()).unsqueeze(1);
  }
  if (kind_ == Kind::Avg) return ops::sum(ops::masked_fill(input, padding, 0.0), Shape{1}) / counts;
  return ops::amax(ops::masked_fill(input, padding, -std::numeric_limits<double>::infinity()), Shape{1});
}

}  // namespace strata::nn
