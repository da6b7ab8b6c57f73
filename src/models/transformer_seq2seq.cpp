#include "strata/models/transformer_seq2seq.h"

#include <cmath>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/positional.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/softmax.h"

namespace strata::models {
namespace {

TransformerSeq2SeqOptions checked(TransformerSeq2SeqOptions o) {
  if (o.tgt_vocab_size == 0) o.tgt_vocab_size = o.src_vocab_size;
  STRATA_CHECK(o.src_vocab_size > 0 && o.tgt_vocab_size > 0,
               "TransformerSeq2Seq: src_vocab_size ({}) and tgt_vocab_size ({}) must be positive",
               o.src_vocab_size, o.tgt_vocab_size);
  STRATA_CHECK(!o.share_embeddings || o.src_vocab_size == o.tgt_vocab_size,
               "TransformerSeq2Seq: share_embeddings needs one vocabulary, got src_vocab_size {} and "
               "tgt_vocab_size {}",
               o.src_vocab_size, o.tgt_vocab_size);
  STRATA_CHECK(o.d_model > 0 && o.nhead > 0 && o.d_model % o.nhead == 0,
               "TransformerSeq2Seq: d_model {} must be a positive multiple of nhead {}", o.d_model, o.nhead);
  STRATA_CHECK(o.max_positions > 0, "TransformerSeq2Seq: max_positions must be positive, got {}",
               o.max_positions);
  STRATA_CHECK(o.pad_id >= 0 && o.pad_id < std::min(o.src_vocab_size, o.tgt_vocab_size),
               "TransformerSeq2Seq: pad_id {} is not a token id of both vocabularies", o.pad_id);
  return o;
}

}  // namespace

TransformerSeq2SeqImpl::TransformerSeq2SeqImpl(TransformerSeq2SeqOptions o)
    : nn::Module("TransformerSeq2Seq"),
      options(checked(std::move(o))),
      src_tok_emb(options.src_vocab_size, options.d_model),
      tgt_tok_emb(options.share_embeddings ? src_tok_emb
                                           : nn::Embedding(options.tgt_vocab_size, options.d_model)),
      dropout(options.dropout),
      transformer(nn::TransformerOptions{.d_model = options.d_model,
                                         .nhead = options.nhead,
                                         .num_encoder_layers = options.num_encoder_layers,
                                         .num_decoder_layers = options.num_decoder_layers,
                                         .dim_feedforward = options.dim_feedforward,
                                         .dropout = options.dropout,
                                         .activation = options.activation,
                                         .batch_first = true,
                                         .norm_first = options.norm_first}),
      generator(options.d_model, options.tgt_vocab_size) {
  register_module("src_tok_emb", src_tok_emb.ptr());
  if (!options.share_embeddings) register_module("tgt_tok_emb", tgt_tok_emb.ptr());
  register_module("dropout", dropout.ptr());
  register_module("transformer", transformer.ptr());
  register_module("generator", generator.ptr());
  positions = register_buffer("positions", nn::sinusoidal_encoding(options.max_positions, options.d_model));
}

Tensor TransformerSeq2SeqImpl::embed(const nn::Embedding& table, const Tensor& ids) {
  STRATA_CHECK(ids.dim() == 2 && ids.dtype() == kInt64,
               "TransformerSeq2Seq: token ids must be i64 [B, L], got {} {}", dtype_name(ids.dtype()),
               ids.shape().str());
  const int64_t len = ids.size(1);
  STRATA_CHECK(len <= options.max_positions,
               "TransformerSeq2Seq: a sequence of {} tokens is longer than max_positions {}", len,
               options.max_positions);
  const Tensor x = table(ids) * std::sqrt(static_cast<double>(options.d_model));
  return dropout(x + positions.slice(0, 0, len).to(x.device()));
}

Tensor TransformerSeq2SeqImpl::encode(const Tensor& src) {
  const Tensor x = embed(src_tok_emb, src);
  return transformer->encoder->forward(
      x, nn::EncoderMasks{.src_key_padding_mask = ops::eq(src, options.pad_id)});
}

Tensor TransformerSeq2SeqImpl::decode(const Tensor& tgt_in, const Tensor& memory, const Tensor& src) {
  const Tensor y = embed(tgt_tok_emb, tgt_in);
  const Tensor out = transformer->decoder->forward(
      y, memory,
      nn::DecoderMasks{.memory_key_padding_mask = ops::eq(src, options.pad_id), .tgt_is_causal = true});
  return generator(out);
}

Tensor TransformerSeq2SeqImpl::forward(const Tensor& src, const Tensor& tgt_in) {
  STRATA_CHECK(src.dim() == 2 && tgt_in.dim() == 2 && src.size(0) == tgt_in.size(0),
               "TransformerSeq2Seq: source {} and decoder input {} must be [B, S] and [B, T]",
               src.shape().str(), tgt_in.shape().str());
  return decode(tgt_in, encode(src), src);
}

Tensor TransformerSeq2SeqImpl::forward(const Tensor& packed) {
  STRATA_CHECK(packed.dim() == 3 && packed.size(1) == 2,
               "TransformerSeq2Seq: a packed batch must be [B, 2, L] (source and decoder input), got {}",
               packed.shape().str());
  const Tensor src = packed.select(1, 0).contiguous(), tgt_in = packed.select(1, 1).contiguous();
  const Tensor logits = forward(src, tgt_in);
  return logits.reshape(Shape{-1, logits.size(2)});
}

std::vector<data::text::Hypothesis> TransformerSeq2SeqImpl::translate(
    const Tensor& src, const data::text::SearchOptions& search) {
  STRATA_CHECK(src.dim() == 2 && src.dtype() == kInt64,
               "TransformerSeq2Seq::translate: source must be i64 [B, S], got {} {}", dtype_name(src.dtype()),
               src.shape().str());
  const bool was_training = is_training();
  eval();
  NoGradGuard no_grad;
  const Tensor memory = encode(src);
  const auto next = [&](const Tensor& prefixes, const std::vector<int64_t>& rows) {
    const Tensor index = from_vector(rows).to(memory.device());
    const Tensor rows_src = ops::index_select(src, 0, index);
    const Tensor logits = decode(prefixes.to(memory.device()), ops::index_select(memory, 0, index), rows_src);
    const int64_t t = logits.size(1);
    return ops::log_softmax(logits.select(1, t - 1), 1).to(kCPU);
  };
  std::vector<data::text::Hypothesis> out = search.beam_size == 1
                                                ? data::text::greedy_search(next, src.size(0), search)
                                                : data::text::beam_search(next, src.size(0), search);
  train(was_training);
  return out;
}

std::string TransformerSeq2SeqImpl::extra_repr() const {
  return fmt::format("src_vocab_size={}, tgt_vocab_size={}, d_model={}, share_embeddings={}",
                     options.src_vocab_size, options.tgt_vocab_size, options.d_model,
                     options.share_embeddings);
}

}  // namespace strata::models
