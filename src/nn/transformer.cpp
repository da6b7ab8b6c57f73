// The Transformer family, written as PyTorch's modules are (torch/nn/modules/transformer.py) so the same
// state dict gives the same function: post-norm x = norm(x + block(x)), pre-norm x = x + block(norm(x)).
#include "strata/nn/transformer.h"

#include <limits>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

void check_layer(const char* type, int64_t d_model, int64_t nhead, const TransformerLayerOptions& o) {
  STRATA_CHECK(d_model > 0 && nhead > 0, "{}: d_model and nhead must be positive, got {} and {}", type,
               d_model, nhead);
  STRATA_CHECK(d_model % nhead == 0, "{}: d_model ({}) must be divisible by nhead ({})", type, d_model,
               nhead);
  STRATA_CHECK(o.dim_feedforward > 0, "{}: dim_feedforward must be positive, got {}", type,
               o.dim_feedforward);
  STRATA_CHECK(o.activation == "relu" || o.activation == "gelu",
               "{}: activation must be 'relu' or 'gelu', got '{}'", type, o.activation);
  STRATA_CHECK(o.dropout >= 0.0 && o.dropout < 1.0, "{}: dropout must be in [0, 1), got {}", type, o.dropout);
}

Tensor activate(const std::string& activation, const Tensor& x) {
  return activation == "gelu" ? ops::gelu(x) : ops::relu(x);
}

MultiheadAttentionOptions attention_options(const TransformerLayerOptions& o) {
  return {.dropout = o.dropout, .bias = o.bias, .batch_first = o.batch_first};
}

// A copy of `layer`'s parameters and buffers in a freshly built twin.
template <typename Impl>
std::shared_ptr<Impl> clone_layer(const Impl& layer) {
  auto copy = std::make_shared<Impl>(layer.d_model, layer.nhead, layer.options);
  const auto params = layer.parameters();
  if (!params.empty()) copy->to(params.front().dtype());
  StateDict state;
  for (const auto& [name, t] : layer.state_dict()) state[name] = t.detach().clone();
  copy->load_state_dict(state);
  copy->train(layer.is_training());
  return copy;
}

std::string layer_repr(int64_t d_model, int64_t nhead, const TransformerLayerOptions& o) {
  return fmt::format(
      "d_model={}, nhead={}, dim_feedforward={}, dropout={}, activation={}, layer_norm_eps={}, "
      "batch_first={}, norm_first={}, bias={}",
      d_model, nhead, o.dim_feedforward, o.dropout, o.activation, o.layer_norm_eps, o.batch_first,
      o.norm_first, o.bias);
}

}  // namespace

// ---- TransformerEncoderLayer ----------------------------------------------------------------------------

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead,
                                                         TransformerLayerOptions options)
    : Module("TransformerEncoderLayer"),
      d_model(d_model),
      nhead(nhead),
      options((check_layer("TransformerEncoderLayer", d_model, nhead, options), options)),
      self_attn(d_model, nhead, attention_options(options)),
      linear1(d_model, options.dim_feedforward, options.bias),
      linear2(options.dim_feedforward, d_model, options.bias),
      dropout(options.dropout),
      dropout1(options.dropout),
      dropout2(options.dropout),
      norm1(Shape{d_model}, options.layer_norm_eps, true, options.bias),
      norm2(Shape{d_model}, options.layer_norm_eps, true, options.bias) {
  register_module("self_attn", self_attn.ptr());
  register_module("linear1", linear1.ptr());
  register_module("dropout", dropout.ptr());
  register_module("linear2", linear2.ptr());
  register_module("norm1", norm1.ptr());
  register_module("norm2", norm2.ptr());
  register_module("dropout1", dropout1.ptr());
  register_module("dropout2", dropout2.ptr());
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const EncoderMasks& masks) {
  STRATA_CHECK(src.defined() && (src.dim() == 3 || src.dim() == 2) && src.size(-1) == d_model,
               "TransformerEncoderLayer: expected src [{}, {}] with d_model={} features, got {}",
               options.batch_first ? "B, S" : "S, B", d_model, d_model,
               src.defined() ? src.shape().str() : std::string("an undefined tensor"));
  auto sa_block = [&](const Tensor& x) {
    return dropout1(self_attn
                        ->forward(x, x, x,
                                  {.key_padding_mask = masks.src_key_padding_mask,
                                   .need_weights = false,
                                   .attn_mask = masks.src_mask,
                                   .is_causal = masks.is_causal && !masks.src_mask.defined()})
                        .output);
  };
  auto ff_block = [&](const Tensor& x) {
    return dropout2(linear2(dropout(activate(options.activation, linear1(x)))));
  };
  Tensor x = src;
  if (options.norm_first) {
    x = x + sa_block(norm1(x));
    x = x + ff_block(norm2(x));
  } else {
    x = norm1(x + sa_block(x));
    x = norm2(x + ff_block(x));
  }
  return x;
}

std::string TransformerEncoderLayerImpl::extra_repr() const { return layer_repr(d_model, nhead, options); }

std::shared_ptr<TransformerEncoderLayerImpl> TransformerEncoderLayerImpl::clone() const {
  return clone_layer(*this);
}

// ---- TransformerDecoderLayer ----------------------------------------------------------------------------

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead,
                                                         TransformerLayerOptions options)
    : Module("TransformerDecoderLayer"),
      d_model(d_model),
      nhead(nhead),
      options((check_layer("TransformerDecoderLayer", d_model, nhead, options), options)),
      self_attn(d_model, nhead, attention_options(options)),
      multihead_attn(d_model, nhead, attention_options(options)),
      linear1(d_model, options.dim_feedforward, options.bias),
      linear2(options.dim_feedforward, d_model, options.bias),
      dropout(options.dropout),
      dropout1(options.dropout),
      dropout2(options.dropout),
      dropout3(options.dropout),
      norm1(Shape{d_model}, options.layer_norm_eps, true, options.bias),
      norm2(Shape{d_model}, options.layer_norm_eps, true, options.bias),
      norm3(Shape{d_model}, options.layer_norm_eps, true, options.bias) {
  register_module("self_attn", self_attn.ptr());
  register_module("multihead_attn", multihead_attn.ptr());
  register_module("linear1", linear1.ptr());
  register_module("dropout", dropout.ptr());
  register_module("linear2", linear2.ptr());
  register_module("norm1", norm1.ptr());
  register_module("norm2", norm2.ptr());
  register_module("norm3", norm3.ptr());
  register_module("dropout1", dropout1.ptr());
  register_module("dropout2", dropout2.ptr());
  register_module("dropout3", dropout3.ptr());
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory,
                                            const DecoderMasks& masks) {
  STRATA_CHECK(
      tgt.defined() && memory.defined() && tgt.dim() == memory.dim() && (tgt.dim() == 3 || tgt.dim() == 2) &&
          tgt.size(-1) == d_model && memory.size(-1) == d_model,
      "TransformerDecoderLayer: expected tgt and memory [{}, {}] with d_model={} features, got {} and {}",
      options.batch_first ? "B, T" : "T, B", d_model, d_model,
      tgt.defined() ? tgt.shape().str() : std::string("undefined"),
      memory.defined() ? memory.shape().str() : std::string("undefined"));
  auto sa_block = [&](const Tensor& x) {
    return dropout1(self_attn
                        ->forward(x, x, x,
                                  {.key_padding_mask = masks.tgt_key_padding_mask,
                                   .need_weights = false,
                                   .attn_mask = masks.tgt_mask,
                                   .is_causal = masks.tgt_is_causal && !masks.tgt_mask.defined()})
                        .output);
  };
  auto mha_block = [&](const Tensor& x) {
    return dropout2(multihead_attn
                        ->forward(x, memory, memory,
                                  {.key_padding_mask = masks.memory_key_padding_mask,
                                   .need_weights = false,
                                   .attn_mask = masks.memory_mask,
                                   .is_causal = masks.memory_is_causal && !masks.memory_mask.defined()})
                        .output);
  };
  auto ff_block = [&](const Tensor& x) {
    return dropout3(linear2(dropout(activate(options.activation, linear1(x)))));
  };
  Tensor x = tgt;
  if (options.norm_first) {
    x = x + sa_block(norm1(x));
    x = x + mha_block(norm2(x));
    x = x + ff_block(norm3(x));
  } else {
    x = norm1(x + sa_block(x));
    x = norm2(x + mha_block(x));
    x = norm3(x + ff_block(x));
  }
  return x;
}

std::string TransformerDecoderLayerImpl::extra_repr() const { return layer_repr(d_model, nhead, options); }

std::shared_ptr<TransformerDecoderLayerImpl> TransformerDecoderLayerImpl::clone() const {
  return clone_layer(*this);
}

// ---- TransformerEncoder / TransformerDecoder ------------------------------------------------------------

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer,
                                               int64_t num_layers, std::shared_ptr<Module> norm)
    : Module("TransformerEncoder"), num_layers(num_layers), norm(std::move(norm)) {
  STRATA_CHECK(num_layers > 0, "TransformerEncoder: num_layers must be positive, got {}", num_layers);
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(encoder_layer->clone());
  register_module("layers", layers.ptr());
  if (this->norm) register_module("norm", this->norm);
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const EncoderMasks& masks) {
  Tensor x = src;
  for (size_t i = 0; i < layers->size(); ++i) x = layer(i)->forward(x, masks);
  return norm ? (*norm)(x) : x;
}

TransformerEncoderLayer TransformerEncoderImpl::layer(size_t i) const {
  return TransformerEncoderLayer(std::static_pointer_cast<TransformerEncoderLayerImpl>((*layers)[i]));
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer,
                                               int64_t num_layers, std::shared_ptr<Module> norm)
    : Module("TransformerDecoder"), num_layers(num_layers), norm(std::move(norm)) {
  STRATA_CHECK(num_layers > 0, "TransformerDecoder: num_layers must be positive, got {}", num_layers);
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(decoder_layer->clone());
  register_module("layers", layers.ptr());
  if (this->norm) register_module("norm", this->norm);
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory, const DecoderMasks& masks) {
  Tensor x = tgt;
  for (size_t i = 0; i < layers->size(); ++i) x = layer(i)->forward(x, memory, masks);
  return norm ? (*norm)(x) : x;
}

TransformerDecoderLayer TransformerDecoderImpl::layer(size_t i) const {
  return TransformerDecoderLayer(std::static_pointer_cast<TransformerDecoderLayerImpl>((*layers)[i]));
}

// ---- Transformer ----------------------------------------------------------------------------------------

namespace {
TransformerLayerOptions layer_options(const TransformerOptions& o) {
  return {.dim_feedforward = o.dim_feedforward,
          .dropout = o.dropout,
          .activation = o.activation,
          .layer_norm_eps = o.layer_norm_eps,
          .batch_first = o.batch_first,
          .norm_first = o.norm_first,
          .bias = o.bias};
}
}  // namespace

TransformerImpl::TransformerImpl(TransformerOptions options)
    : Module("Transformer"),
      options(options),
      encoder(TransformerEncoderLayer(options.d_model, options.nhead, layer_options(options)),
              options.num_encoder_layers,
              LayerNorm(Shape{options.d_model}, options.layer_norm_eps, true, options.bias)),
      decoder(TransformerDecoderLayer(options.d_model, options.nhead, layer_options(options)),
              options.num_decoder_layers,
              LayerNorm(Shape{options.d_model}, options.layer_norm_eps, true, options.bias)) {
  register_module("encoder", encoder.ptr());
  register_module("decoder", decoder.ptr());
  for (auto& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const TransformerMasks& masks) {
  STRATA_CHECK(src.defined() && tgt.defined() && src.dim() == tgt.dim() && (src.dim() == 3 || src.dim() == 2),
               "Transformer: src and tgt must both be 3-D ([S, B, E], or [B, S, E] with batch_first) or both "
               "2-D, got {} and {}",
               src.defined() ? src.shape().str() : std::string("undefined"),
               tgt.defined() ? tgt.shape().str() : std::string("undefined"));
  const int batch_dim = options.batch_first ? 0 : 1;
  STRATA_CHECK(src.dim() == 2 || src.size(batch_dim) == tgt.size(batch_dim),
               "Transformer: src and tgt must have the same batch size, got shapes {} and {}{}",
               src.shape().str(), tgt.shape().str(), options.batch_first ? " (batch_first)" : "");
  STRATA_CHECK(src.size(-1) == options.d_model && tgt.size(-1) == options.d_model,
               "Transformer: src and tgt must have d_model={} features, got shapes {} and {}",
               options.d_model, src.shape().str(), tgt.shape().str());
  const Tensor memory = encoder->forward(src, {.src_mask = masks.src_mask,
                                               .src_key_padding_mask = masks.src_key_padding_mask,
                                               .is_causal = masks.src_is_causal});
  return decoder->forward(tgt, memory,
                          {.tgt_mask = masks.tgt_mask,
                           .memory_mask = masks.memory_mask,
                           .tgt_key_padding_mask = masks.tgt_key_padding_mask,
                           .memory_key_padding_mask = masks.memory_key_padding_mask,
                           .tgt_is_causal = masks.tgt_is_causal,
                           .memory_is_causal = masks.memory_is_causal});
}

std::string TransformerImpl::extra_repr() const {
  return fmt::format("d_model={}, nhead={}, num_encoder_layers={}, num_decoder_layers={}", options.d_model,
                     options.nhead, options.num_encoder_layers, options.num_decoder_layers);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t size, Dtype dtype) {
  return nn::generate_square_subsequent_mask(size, dtype);
}

Tensor generate_square_subsequent_mask(int64_t size, Dtype dtype) {
  STRATA_CHECK(size > 0, "generate_square_subsequent_mask: size must be positive, got {}", size);
  const Tensor rows = ops::unsqueeze(arange(static_cast<double>(size), {.dtype = kFloat64}), 1);
  const Tensor cols = ops::unsqueeze(arange(static_cast<double>(size), {.dtype = kFloat64}), 0);
  return ops::masked_fill(zeros({size, size}, {.dtype = dtype}), ops::gt(cols, rows),
                          -std::numeric_limits<double>::infinity());
}

}  // namespace strata::nn
