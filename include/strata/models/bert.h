#pragma once
// A BERT-style encoder for masked-language-model pre-training and sequence classification:
// token + learned position embeddings -> LayerNorm -> dropout -> nn::TransformerEncoder (post-norm, GELU,
// batch-first), with padding keys masked out. Two heads share the encoder under the name `bert`, so a
// checkpoint of one loads into the other with load_state_dict(strict=false) (or the CLI's init):
//   BertForMaskedLM:                bert.*, mlm_head.{dense, norm, bias}; the output projection is tied to
//                                   bert.embeddings.word_embeddings.weight (no parameter of its own);
//   BertForSequenceClassification:  bert.*, classifier.{weight, bias} over the pooled sequence.
// Parameter names: bert.embeddings.{word_embeddings, position_embeddings, norm}.*, then PyTorch's
// nn.TransformerEncoder names (bert.encoder.layers.0.self_attn.in_proj_weight, ...).
#include <string>

#include "strata/nn/dropout.h"
#include "strata/nn/embedding.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/nn/transformer.h"

namespace strata::models {

struct BertOptions {
  int64_t vocab_size = 0;         // required
  int64_t hidden_size = 128;      // d_model
  int64_t num_layers = 2;         // encoder layers
  int64_t num_heads = 4;          // attention heads (hidden_size must divide by it)
  int64_t intermediate_size = 0;  // feed-forward width (0: 4 x hidden_size)
  int64_t max_positions = 512;    // longest input (learned position embeddings)
  double dropout = 0.1;           // embeddings, attention, feed-forward and the classifier
  double layer_norm_eps = 1e-12;  // as BERT
  int64_t pad_id = 0;             // padding token: never attended to, left out of mean pooling
  int64_t num_classes = 2;        // BertForSequenceClassification
  std::string pooling = "mean";   // mean (over non-padding tokens) | first (the first token, e.g. <bos>)
};

// Token and position embeddings, then LayerNorm and dropout.
class BertEmbeddingsImpl : public nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertOptions& options);
  // ids i64 [B, T] -> [B, T, hidden_size].
  Tensor forward(const Tensor& ids) override;

  nn::Embedding word_embeddings, position_embeddings;
  nn::LayerNorm norm;
  nn::Dropout dropout;
};
STRATA_MODULE_HOLDER(BertEmbeddings);

// The encoder without a head: ids i64 [B, T] -> hidden states [B, T, hidden_size].
class BertModelImpl : public nn::Module {
 public:
  explicit BertModelImpl(BertOptions options);
  Tensor forward(const Tensor& ids) override;
  std::string extra_repr() const override;

  BertOptions options;
  BertEmbeddings embeddings;
  nn::TransformerEncoder encoder;
};
STRATA_MODULE_HOLDER(BertModel);

// The masked-LM head on the encoder: logits [B * T, vocab_size] (one row per token, to line up with
// labels flattened to [B * T] whose unmasked positions hold the loss's ignore_index).
class BertForMaskedLMImpl : public nn::Module {
 public:
  explicit BertForMaskedLMImpl(BertOptions options);
  Tensor forward(const Tensor& ids) override;

  BertModel bert;
  nn::Linear dense;
  nn::LayerNorm norm;
  Tensor bias;  // [vocab_size], registered as mlm_head.bias
};
STRATA_MODULE_HOLDER(BertForMaskedLM);

// The classifier on the encoder: dropout then a linear layer over the pooled hidden states -> logits
// [B, num_classes].
class BertForSequenceClassificationImpl : public nn::Module {
 public:
  explicit BertForSequenceClassificationImpl(BertOptions options);
  Tensor forward(const Tensor& ids) override;

  BertModel bert;
  nn::Dropout dropout;
  nn::Linear classifier;
};
STRATA_MODULE_HOLDER(BertForSequenceClassification);

}  // namespace strata::models
