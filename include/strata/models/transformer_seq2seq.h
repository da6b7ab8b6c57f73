#pragma once
// A Transformer sequence-to-sequence model for translation (Vaswani et al. 2017, as in PyTorch's
// "Language Translation with nn.Transformer" tutorial): token embeddings scaled by sqrt(d_model) plus
// sinusoidal positions, nn::Transformer (batch_first), and a linear `generator` onto the target vocabulary.
// Parameter names follow the tutorial: src_tok_emb, tgt_tok_emb (absent when shared), transformer.*,
// generator.
//
// Inputs are i64 token ids padded with pad_id: source [B, S] (ending in <eos>), decoder input [B, T]
// (<bos> then the target); the model predicts the target followed by <eos>. For the Trainer, forward of one
// tensor takes both packed as [B, 2, L] (row 0 the source, row 1 the decoder input, padded to one L) and
// returns logits [B * L, V] lined up with a flattened [B * L] target.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/data/text/beam_search.h"
#include "strata/nn/dropout.h"
#include "strata/nn/embedding.h"
#include "strata/nn/linear.h"
#include "strata/nn/transformer.h"

namespace strata::models {

struct TransformerSeq2SeqOptions {
  int64_t src_vocab_size = 0;
  int64_t tgt_vocab_size = 0;  // 0: src_vocab_size
  int64_t d_model = 256;
  int64_t nhead = 4;
  int64_t num_encoder_layers = 3;
  int64_t num_decoder_layers = 3;
  int64_t dim_feedforward = 1024;
  double dropout = 0.1;
  std::string activation = "relu";  // relu | gelu
  bool norm_first = true;           // pre-norm layers (steadier training of deeper stacks)
  bool share_embeddings = true;     // one embedding for source and target (needs one shared vocabulary)
  int64_t max_positions = 512;      // longest sequence the positional table covers
  int64_t pad_id = 0;
};

class TransformerSeq2SeqImpl : public nn::Module {
 public:
  explicit TransformerSeq2SeqImpl(TransformerSeq2SeqOptions options);
  // Packed [B, 2, L] (source and decoder input) -> logits [B * L, V].
  Tensor forward(const Tensor& packed) override;
  // Source [B, S], decoder input [B, T] -> logits [B, T, V].
  Tensor forward(const Tensor& src, const Tensor& tgt_in);
  // The encoder's memory [B, S, d_model] for a source [B, S].
  Tensor encode(const Tensor& src);
  // Logits [B, T, V] of the decoder input [B, T] attending to memory [B, S, d_model] of source `src`
  // (whose padding positions are masked).
  Tensor decode(const Tensor& tgt_in, const Tensor& memory, const Tensor& src);
  // Translates a source batch [B, S] in eval mode without recording: the encoder runs once, then greedy
  // (beam_size 1) or beam search decodes every row; a decoder step re-reads each hypothesis's prefix.
  std::vector<data::text::Hypothesis> translate(const Tensor& src, const data::text::SearchOptions& options);
  std::string extra_repr() const override;

  TransformerSeq2SeqOptions options;
  nn::Embedding src_tok_emb;
  nn::Embedding tgt_tok_emb;  // the same module as src_tok_emb when shared
  nn::Dropout dropout;
  nn::Transformer transformer;
  nn::Linear generator;
  Tensor positions;  // buffer: nn::sinusoidal_encoding(max_positions, d_model)

 private:
  Tensor embed(const nn::Embedding& table, const Tensor& ids);
};
STRATA_MODULE_HOLDER(TransformerSeq2Seq);

}  // namespace strata::models
