#include "strata/models/bert.h"

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::models {
namespace {

BertOptions checked(BertOptions o) {
  STRATA_CHECK(o.vocab_size > 0, "BertModel: vocab_size must be positive, got {}", o.vocab_size);
  STRATA_CHECK(o.hidden_size > 0 && o.num_heads > 0 && o.hidden_size % o.num_heads == 0,
               "BertModel: hidden_size {} must be a positive multiple of num_heads {}", o.hidden_size,
               o.num_heads);
  STRATA_CHECK(o.num_layers > 0, "BertModel: num_layers must be positive, got {}", o.num_layers);
  STRATA_CHECK(o.max_positions > 0, "BertModel: max_positions must be positive, got {}", o.max_positions);
  STRATA_CHECK(o.pad_id >= 0 && o.pad_id < o.vocab_size, "BertModel: pad_id {} is not an id of the {} tokens",
               o.pad_id, o.vocab_size);
  STRATA_CHECK(o.pooling == "mean" || o.pooling == "first",
               "BertModel: pooling must be 'mean' or 'first', got '{}'", o.pooling);
  STRATA_CHECK(o.num_classes > 0, "BertModel: num_classes must be positive, got {}", o.num_classes);
  if (o.intermediate_size == 0) o.intermediate_size = 4 * o.hidden_size;
  return o;
}

nn::TransformerEncoder make_encoder(const BertOptions& o) {
  const nn::TransformerEncoderLayer layer(o.hidden_size, o.num_heads,
                                          nn::TransformerLayerOptions{.dim_feedforward = o.intermediate_size,
                                                                      .dropout = o.dropout,
                                                                      .activation = "gelu",
                                                                      .layer_norm_eps = o.layer_norm_eps,
                                                                      .batch_first = true});
  return nn::TransformerEncoder(layer, o.num_layers);
}

}  // namespace

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertOptions& o)
    : nn::Module("BertEmbeddings"),
      word_embeddings(o.vocab_size, o.hidden_size),
      position_embeddings(o.max_positions, o.hidden_size),
      norm(Shape{o.hidden_size}, o.layer_norm_eps),
      dropout(o.dropout) {
  // BERT's initialisation: N(0, 0.02) embeddings (the tied output projection stays small at the start).
  nn::init::normal_(word_embeddings->weight, 0.0, 0.02);
  nn::init::normal_(position_embeddings->weight, 0.0, 0.02);
  register_module("word_embeddings", word_embeddings.ptr());
  register_module("position_embeddings", position_embeddings.ptr());
  register_module("norm", norm.ptr());
  register_module("dropout", dropout.ptr());
}

Tensor BertEmbeddingsImpl::forward(const Tensor& ids) {
  STRATA_CHECK(ids.dtype() == kInt64 && ids.dim() == 2, "BertEmbeddings: expected i64 ids [B, T], got {} {}",
               dtype_name(ids.dtype()), ids.shape().str());
  const int64_t t = ids.size(1);
  STRATA_CHECK(t <= position_embeddings->num_embeddings,
               "BertEmbeddings: {} tokens exceed max_positions {} (input {})", t,
               position_embeddings->num_embeddings, ids.shape().str());
  const Tensor positions = arange(static_cast<double>(t), {.dtype = kInt64});
  const Tensor x = word_embeddings(ids) + position_embeddings(positions);  // [B, T, H] + [T, H]
  return dropout(norm(x));
}

BertModelImpl::BertModelImpl(BertOptions o)
    : nn::Module("BertModel"),
      options(checked(std::move(o))),
      embeddings(options),
      encoder(make_encoder(options)) {
  register_module("embeddings", embeddings.ptr());
  register_module("encoder", encoder.ptr());
}

Tensor BertModelImpl::forward(const Tensor& ids) {
  const Tensor x = embeddings(ids);
  // u8 [B, T], nonzero where the key is padding (nn::MultiheadAttention's convention).
  const Tensor padding = ops::eq(ids, static_cast<double>(options.pad_id)).to(kUInt8);
  return encoder->forward(x, nn::EncoderMasks{.src_key_padding_mask = padding});
}

std::string BertModelImpl::extra_repr() const {
  return fmt::format(
      "vocab_size={}, hidden_size={}, num_layers={}, num_heads={}, intermediate_size={}, "
      "max_positions={}",
      options.vocab_size, options.hidden_size, options.num_layers, options.num_heads,
      options.intermediate_size, options.max_positions);
}

BertForMaskedLMImpl::BertForMaskedLMImpl(BertOptions o)
    : nn::Module("BertForMaskedLM"),
      bert(std::move(o)),
      dense(bert->options.hidden_size, bert->options.hidden_size),
      norm(Shape{bert->options.hidden_size}, bert->options.layer_norm_eps) {
  register_module("bert", bert.ptr());
  auto head = std::make_shared<nn::Module>("BertMLMHead");
  head->register_module("dense", dense.ptr());
  head->register_module("norm", norm.ptr());
  bias = head->register_parameter("bias", zeros(Shape{bert->options.vocab_size}));
  register_module("mlm_head", head);
}

Tensor BertForMaskedLMImpl::forward(const Tensor& ids) {
  const Tensor h = bert(ids);  // [B, T, H]
  const int64_t hidden = bert->options.hidden_size;
  const Tensor x = norm(ops::gelu(dense(h.reshape(Shape{-1, hidden}))));  // [B * T, H]
  // Tied output projection: logits = x E^T + b over the token embedding E [V, H].
  return ops::linear(x, bert->embeddings->word_embeddings->weight, bias);
}

BertForSequenceClassificationImpl::BertForSequenceClassificationImpl(BertOptions o)
    : nn::Module("BertForSequenceClassification"),
      bert(std::move(o)),
      dropout(bert->options.dropout),
      classifier(bert->options.hidden_size, bert->options.num_classes) {
  register_module("bert", bert.ptr());
  register_module("dropout", dropout.ptr());
  register_module("classifier", classifier.ptr());
}

Tensor BertForSequenceClassificationImpl::forward(const Tensor& ids) {
  const Tensor h = bert(ids);  // [B, T, H]
  Tensor pooled;
  if (bert->options.pooling == "first") {
    pooled = ops::select(h, 1, 0);
  } else {
    // Mean over the tokens that are not padding (at least one counted, so an all-padding row gives 0).
    const Tensor keep = ops::ne(ids, static_cast<double>(bert->options.pad_id)).to(h.dtype());       // [B, T]
    const Tensor count = ops::clamp(ops::sum(keep, Shape{1}, /*keepdim=*/true), 1.0, std::nullopt);  // [B, 1]
    pooled = ops::sum(h * ops::unsqueeze(keep, 2), Shape{1}) / count;                                // [B, H]
  }
  return classifier(dropout(pooled));
}

}  // namespace strata::models
