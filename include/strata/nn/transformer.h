#pragma once
// The Transformer of "Attention is all you need", interchangeable with PyTorch's nn.Transformer family:
// TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and Transformer
// with PyTorch's defaults, options and parameter names (encoder.layers.0.self_attn.in_proj_weight,
// decoder.layers.1.multihead_attn.out_proj.bias, encoder.norm.weight, ...), so PyTorch state dicts load
// unchanged. Masks follow nn.MultiheadAttention (u8 nonzero = blocked, or float added); see attention.h.
#include <memory>
#include <optional>
#include <string>

#include "strata/nn/attention.h"
#include "strata/nn/container.h"
#include "strata/nn/dropout.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"

namespace strata::nn {

struct TransformerLayerOptions {
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  // relu | gelu
  double layer_norm_eps = 1e-5;
  bool batch_first = false;  // [B, T, E] instead of [T, B, E]
  bool norm_first = false;   // pre-norm (x + f(norm(x))) instead of post-norm (norm(x + f(x)))
  bool bias = true;          // biases of the linear layers, attention projections and layer norms
};

// The masks of an encoder (layer) forward.
struct EncoderMasks {
  Tensor src_mask{};              // [S, S] or [B * nhead, S, S]
  Tensor src_key_padding_mask{};  // [B, S]
  bool is_causal = false;         // src_mask is (or, without one, applies) the causal mask
};

// The masks of a decoder (layer) forward.
struct DecoderMasks {
  Tensor tgt_mask{};                 // [T, T] or [B * nhead, T, T]
  Tensor memory_mask{};              // [T, S] or [B * nhead, T, S]
  Tensor tgt_key_padding_mask{};     // [B, T]
  Tensor memory_key_padding_mask{};  // [B, S]
  bool tgt_is_causal = false;        // causal self-attention (combines with tgt_mask)
  bool memory_is_causal = false;     // causal cross-attention (combines with memory_mask)
};

// Self-attention then a feed-forward block, each with dropout, a residual connection and a LayerNorm.
class TransformerEncoderLayerImpl : public Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, TransformerLayerOptions options = {});
  // src [S, B, E] ([B, S, E] with batch_first).
  Tensor forward(const Tensor& src, const EncoderMasks& masks);
  Tensor forward(const Tensor& src) override { return forward(src, EncoderMasks{}); }
  std::string extra_repr() const override;
  // A new layer with the same options and a copy of this one's parameters.
  std::shared_ptr<TransformerEncoderLayerImpl> clone() const;

  int64_t d_model, nhead;
  TransformerLayerOptions options;
  MultiheadAttention self_attn;
  Linear linear1, linear2;
  Dropout dropout, dropout1, dropout2;
  LayerNorm norm1, norm2;
};
STRATA_MODULE_HOLDER(TransformerEncoderLayer);

// Self-attention, cross-attention over the encoder's memory, then a feed-forward block.
class TransformerDecoderLayerImpl : public Module {
 public:
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead, TransformerLayerOptions options = {});
  // tgt [T, B, E], memory [S, B, E] ([B, ., E] with batch_first).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const DecoderMasks& masks = {});
  std::string extra_repr() const override;
  // A new layer with the same options and a copy of this one's parameters.
  std::shared_ptr<TransformerDecoderLayerImpl> clone() const;

  int64_t d_model, nhead;
  TransformerLayerOptions options;
  MultiheadAttention self_attn, multihead_attn;
  Linear linear1, linear2;
  Dropout dropout, dropout1, dropout2, dropout3;
  LayerNorm norm1, norm2, norm3;
};
STRATA_MODULE_HOLDER(TransformerDecoderLayer);

// num_layers copies of `encoder_layer` (each starting from its parameters, as PyTorch's deep copies do),
// then `norm` when given.
class TransformerEncoderImpl : public Module {
 public:
  TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer, int64_t num_layers,
                         std::shared_ptr<Module> norm = nullptr);
  Tensor forward(const Tensor& src, const EncoderMasks& masks);
  Tensor forward(const Tensor& src) override { return forward(src, EncoderMasks{}); }
  // The i-th layer.
  TransformerEncoderLayer layer(size_t i) const;

  int64_t num_layers;
  ModuleList layers;
  std::shared_ptr<Module> norm;  // null when absent
};
STRATA_MODULE_HOLDER(TransformerEncoder);

// num_layers copies of `decoder_layer`, then `norm` when given.
class TransformerDecoderImpl : public Module {
 public:
  TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer, int64_t num_layers,
                         std::shared_ptr<Module> norm = nullptr);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const DecoderMasks& masks = {});
  // The i-th layer.
  TransformerDecoderLayer layer(size_t i) const;

  int64_t num_layers;
  ModuleList layers;
  std::shared_ptr<Module> norm;  // null when absent
};
STRATA_MODULE_HOLDER(TransformerDecoder);

struct TransformerOptions {
  int64_t d_model = 512;
  int64_t nhead = 8;
  int64_t num_encoder_layers = 6;
  int64_t num_decoder_layers = 6;
  int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  std::string activation = "relu";  // relu | gelu
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
};

// The masks of a Transformer forward.
struct TransformerMasks {
  Tensor src_mask{}, tgt_mask{}, memory_mask{};
  Tensor src_key_padding_mask{}, tgt_key_padding_mask{}, memory_key_padding_mask{};
  bool src_is_causal = false, tgt_is_causal = false, memory_is_causal = false;
};

// Encoder (with a final LayerNorm) and decoder (with a final LayerNorm); every weight matrix is
// xavier_uniform initialised, as PyTorch does.
class TransformerImpl : public Module {
 public:
  explicit TransformerImpl(TransformerOptions options = {});
  // src [S, B, E], tgt [T, B, E] ([B, ., E] with batch_first) -> [T, B, E].
  Tensor forward(const Tensor& src, const Tensor& tgt, const TransformerMasks& masks = {});
  std::string extra_repr() const override;
  // A float [size, size] mask: -inf above the diagonal (query i may not see key j > i), 0 elsewhere.
  static Tensor generate_square_subsequent_mask(int64_t size, Dtype dtype = kFloat32);

  TransformerOptions options;
  TransformerEncoder encoder;
  TransformerDecoder decoder;
};
STRATA_MODULE_HOLDER(Transformer);

// A float [size, size] mask: -inf above the diagonal, 0 elsewhere
// (Transformer::generate_square_subsequent_mask).
Tensor generate_square_subsequent_mask(int64_t size, Dtype dtype = kFloat32);

}  // namespace strata::nn
