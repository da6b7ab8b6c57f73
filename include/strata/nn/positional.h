#pragma once
// Position information for attention models: added encodings (sinusoidal, as in "Attention is all you
// need", and learned) and the rotary embedding (RoPE) applied to queries and keys.
#include <string>

#include "strata/nn/module.h"

namespace strata::nn {

// The f32 table [max_len, d_model]: pe[t, 2i] = sin(t / 10000^(2i/d_model)), pe[t, 2i+1] = cos(...).
Tensor sinusoidal_encoding(int64_t max_len, int64_t d_model);

// Adds the fixed encoding pe[t, 2i] = sin(t / 10000^(2i/d_model)), pe[t, 2i+1] = cos(...) to x [..., T,
// d_model]; `pe` [max_len, d_model] is a buffer (saved with the model, never trained).
class SinusoidalPositionalEncodingImpl : public Module {
 public:
  explicit SinusoidalPositionalEncodingImpl(int64_t d_model, int64_t max_len = 5000);
  // x + pe[offset : offset + T] (offset: the first position, e.g. the KV-cache length while decoding).
  Tensor forward(const Tensor& x, int64_t offset);
  // forward(x, 0).
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  std::string extra_repr() const override;
  int64_t d_model, max_len;
  Tensor pe;
};
STRATA_MODULE_HOLDER(SinusoidalPositionalEncoding);

// Adds a learned embedding of positions, weight [max_len, d_model] ~ N(0, 1) like nn.Embedding, to x [..., T,
// d_model].
class LearnedPositionalEncodingImpl : public Module {
 public:
  LearnedPositionalEncodingImpl(int64_t max_len, int64_t d_model);
  // x + weight[offset : offset + T].
  Tensor forward(const Tensor& x, int64_t offset);
  // forward(x, 0).
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  std::string extra_repr() const override;
  int64_t max_len, d_model;
  Tensor weight;
};
STRATA_MODULE_HOLDER(LearnedPositionalEncoding);

// Rotary position embedding over the last `dim` features of queries and keys [..., T, dim] (half-split
// pairing, F::apply_rotary_embedding), with cos/sin tables cached for the positions seen so far (grown on
// demand; not part of the state dict).
class RotaryEmbeddingImpl : public Module {
 public:
  explicit RotaryEmbeddingImpl(int64_t dim, double base = 10000.0, int64_t max_len = 2048);
  // x rotated at positions offset, ..., offset + T - 1.
  Tensor forward(const Tensor& x, int64_t offset);
  // forward(x, 0).
  Tensor forward(const Tensor& x) override { return forward(x, 0); }
  std::string extra_repr() const override;
  int64_t dim;
  double base;

 private:
  void grow(int64_t length, Dtype dtype, Device device);
  Tensor cos_, sin_;  // [cached, dim / 2] in the dtype last used
};
STRATA_MODULE_HOLDER(RotaryEmbedding);

}  // namespace strata::nn
