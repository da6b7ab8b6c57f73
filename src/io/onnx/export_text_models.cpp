// The ONNX exporters of the zoo's text models: BERT (BertModel, BertForMaskedLM,
// BertForSequenceClassification; input token ids [B, T], the padding mask computed in the graph from pad_id)
// and TransformerSeq2Seq (inputs source [B, S] and decoder input [B, T], or the packed [B, 2, L] its
// one-tensor forward takes). Sequence lengths stay dynamic: positions are initializers sliced to the length.
#include <cmath>
#include <limits>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/models/bert.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/nn/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"

namespace strata::onnx {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_ids(const Value& ids, const std::string& type, const std::string& path) {
  STRATA_CHECK(ids.example.dim() == 2 && ids.example.dtype() == kInt64,
               "onnx::export_model: {} '{}' exports for token ids i64 [B, T], got {} {}", type, path,
               dtype_name(ids.example.dtype()), ids.example.shape().str());
}

// The rows [0, T) of `table` for ids [B, T] (T read at run time).
std::string positions_for(ExportContext& ctx, const std::string& table, const std::string& ids,
                          const std::string& h) {
  const std::string len =
      ctx.op("Slice",
             {ctx.op("Shape", {ids}, h + "/ids_shape"), ctx.ints({1}, h + "/one"), ctx.ints({2}, h + "/two")},
             h + "/length");
  return ctx.op("Slice", {table, ctx.ints({0}, h + "/zero"), len, ctx.ints({0}, h + "/axis")}, h + "/rows");
}

// A key padding mask for ids [B, T]: float, -inf where ids == pad_id, else 0 (the example likewise).
Value padding_mask(ExportContext& ctx, const Value& ids, int64_t pad_id, Dtype dtype, const std::string& h) {
  const std::string is_pad =
      ctx.op("Equal", {ids.name, ctx.ints({pad_id}, h + "/pad_id", true)}, h + "/is_padding");
  const std::string mask =
      ctx.op("Where", {is_pad, ctx.scalar(-kInf, dtype, h + "/neg_inf"), ctx.scalar(0.0, dtype, h + "/zero")},
             h + "/padding_mask");
  const Tensor example = ops::masked_fill(zeros(ids.example.shape(), {.dtype = dtype}),
                                          ops::eq(ids.example, static_cast<double>(pad_id)), -kInf);
  return {mask, example};
}

// BertModel: embeddings, then the encoder with padding keys masked; hidden states [B, T, H].
Value export_bert_model(ExportContext& ctx, models::BertModelImpl& b, const std::string& path,
                        const Value& ids) {
  const std::string h = path.empty() ? "bert" : path;
  const std::string ep = join_path(path, "embeddings");
  auto& e = *b.embeddings;
  const std::string words =
      ctx.op("Gather",
             {ctx.initializer(e.word_embeddings->weight, join_path(ep, "word_embeddings.weight")), ids.name},
             h + "/word_embeddings", {{"axis", int64_t{0}}});
  const std::string pos = positions_for(
      ctx, ctx.initializer(e.position_embeddings->weight, join_path(ep, "position_embeddings.weight")),
      ids.name, h + "/positions");
  Value x{ctx.op("Add", {words, pos}, h + "/embeddings_sum"), Tensor()};
  x.example = e.forward(ids.example);  // LayerNorm's input example is only used for ranks and dtype
  x = ctx.export_module(*e.norm, join_path(ep, "norm"), {x})[0];
  x.example = e.forward(ids.example);
  const Value padding = padding_mask(ctx, ids, b.options.pad_id, x.example.dtype(), h);
  return export_encoder(ctx, *b.encoder, join_path(path, "encoder"), x, {.src_key_padding_mask = padding});
}

std::vector<Value> export_bert(ExportContext& ctx, nn::Module& m, const std::string& path,
                               const std::vector<Value>& inputs) {
  auto& b = checked_cast<models::BertModelImpl>(m, path);
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: BertModel '{}' takes token ids, got {} inputs", path,
               inputs.size());
  check_ids(inputs[0], "BertModel", path);
  Value y = export_bert_model(ctx, b, path, inputs[0]);
  y.example = m.forward(inputs[0].example);
  return {y};
}

std::vector<Value> export_bert_mlm(ExportContext& ctx, nn::Module& m, const std::string& path,
                                   const std::vector<Value>& inputs) {
  auto& b = checked_cast<models::BertForMaskedLMImpl>(m, path);
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: BertForMaskedLM '{}' takes token ids, got {} inputs",
               path, inputs.size());
  const Value& ids = inputs[0];
  check_ids(ids, "BertForMaskedLM", path);
  const std::string h = path.empty() ? "bert_mlm" : path;
  const Value hidden = export_bert_model(ctx, *b.bert, join_path(path, "bert"), ids);
  // [B, T, H] -> [B * T, H], then the head: dense, GELU, LayerNorm, logits tied to the word embeddings.
  Value x{ctx.op("Flatten", {hidden.name}, h + "/rows", {{"axis", int64_t{2}}}),
          hidden.example.flatten(0, 1)};
  x = ctx.export_module(*b.dense, join_path(path, "mlm_head.dense"), {x})[0];
  nn::GELU gelu;
  x = ctx.export_module(*gelu, join_path(path, "mlm_head.gelu"), {x})[0];
  x = ctx.export_module(*b.norm, join_path(path, "mlm_head.norm"), {x})[0];
  const std::string wt =
      ctx.initializer(b.bert->embeddings->word_embeddings->weight.detach().t().contiguous(),
                      join_path(path, "mlm_head.decoder_weight_t"));
  const std::string logits = ctx.op("Add",
                                    {ctx.op("MatMul", {x.name, wt}, h + "/logits_matmul"),
                                     ctx.initializer(b.bias, join_path(path, "mlm_head.bias"))},
                                    h + "/logits");
  return {{logits, m.forward(ids.example)}};
}

std::vector<Value> export_bert_classifier(ExportContext& ctx, nn::Module& m, const std::string& path,
                                          const std::vector<Value>& inputs) {
  auto& b = checked_cast<models::BertForSequenceClassificationImpl>(m, path);
  STRATA_CHECK(inputs.size() == 1,
               "onnx::export_model: BertForSequenceClassification '{}' takes token ids, got {} inputs", path,
               inputs.size());
  const Value& ids = inputs[0];
  check_ids(ids, "BertForSequenceClassification", path);
  const std::string h = path.empty() ? "bert_classifier" : path;
  const Value hidden = export_bert_model(ctx, *b.bert, join_path(path, "bert"), ids);
  const Dtype dt = hidden.example.dtype();
  Value pooled;
  if (b.bert->options.pooling == "first") {
    pooled = {ctx.op("Gather", {hidden.name, ctx.ints({0}, h + "/first", true)}, h + "/pooled",
                     {{"axis", int64_t{1}}}),
              hidden.example.select(1, 0)};
  } else {
    // Mean over the tokens that are not padding (at least one counted).
    const std::string keep =
        ctx.op("Cast",
               {ctx.op("Not",
                       {ctx.op("Equal", {ids.name, ctx.ints({b.bert->options.pad_id}, h + "/pad_id", true)},
                               h + "/is_pad")},
                       h + "/not_pad")},
               h + "/keep", {{"to", static_cast<int64_t>(to_onnx_dtype(dt))}});
    const std::string axis1 = ctx.ints({1}, h + "/axis1");
    const std::string count =
        ctx.op("Max",
               {ctx.op("ReduceSum", {keep, axis1}, h + "/count_raw", {{"keepdims", int64_t{1}}}),
                ctx.scalar(1.0, dt, h + "/one")},
               h + "/count");
    const std::string weighted =
        ctx.op("Mul", {hidden.name, ctx.op("Unsqueeze", {keep, ctx.ints({2}, h + "/axis2")}, h + "/keep_3d")},
               h + "/kept");
    const std::string sum = ctx.op("ReduceSum", {weighted, axis1}, h + "/sum", {{"keepdims", int64_t{0}}});
    pooled = {ctx.op("Div", {sum, count}, h + "/pooled"), Tensor()};
    pooled.example = ops::sum(hidden.example, Shape{1});  // shape and dtype only
  }
  Value out = ctx.export_module(*b.classifier, join_path(path, "classifier"), {pooled})[0];
  out.example = m.forward(ids.example);
  return {out};
}

// TransformerSeq2Seq: (source [B, S], decoder input [B, T]) -> logits [B, T, V]; a packed [B, 2, L] gives
// logits [B * L, V] as its one-tensor forward.
std::vector<Value> export_seq2seq(ExportContext& ctx, nn::Module& m, const std::string& path,
                                  const std::vector<Value>& inputs) {
  auto& s = checked_cast<models::TransformerSeq2SeqImpl>(m, path);
  const std::string h = path.empty() ? "seq2seq" : path;
  STRATA_CHECK(
      inputs.size() == 1 || inputs.size() == 2,
      "onnx::export_model: TransformerSeq2Seq '{}' takes (source, decoder input) or one packed [B, 2, "
      "L] input, got {} inputs",
      path, inputs.size());
  Value src, tgt;
  if (inputs.size() == 2) {
    src = inputs[0], tgt = inputs[1];
  } else {
    const Value& packed = inputs[0];
    STRATA_CHECK(packed.example.dim() == 3 && packed.example.size(1) == 2 && packed.example.dtype() == kInt64,
                 "onnx::export_model: TransformerSeq2Seq '{}' packed input must be i64 [B, 2, L], got {}",
                 path, packed.example.shape().str());
    src = {ctx.op("Gather", {packed.name, ctx.ints({0}, h + "/row0", true)}, h + "/source",
                  {{"axis", int64_t{1}}}),
           packed.example.select(1, 0).contiguous()};
    tgt = {ctx.op("Gather", {packed.name, ctx.ints({1}, h + "/row1", true)}, h + "/decoder_input",
                  {{"axis", int64_t{1}}}),
           packed.example.select(1, 1).contiguous()};
  }
  check_ids(src, "TransformerSeq2Seq", path);
  check_ids(tgt, "TransformerSeq2Seq", path);
  const auto& o = s.options;
  const std::string positions = ctx.initializer(s.positions, join_path(path, "positions"));
  const std::string scale =
      ctx.scalar(std::sqrt(static_cast<double>(o.d_model)), kFloat32, h + "/sqrt_d_model");
  const std::string src_table = ctx.initializer(s.src_tok_emb->weight, join_path(path, "src_tok_emb.weight"));
  const std::string tgt_table =
      o.share_embeddings ? src_table
                         : ctx.initializer(s.tgt_tok_emb->weight, join_path(path, "tgt_tok_emb.weight"));
  auto embed = [&](const std::string& table, const Value& ids, const std::string& which) {
    const std::string e =
        ctx.op("Gather", {table, ids.name}, h + "/" + which + "_tokens", {{"axis", int64_t{0}}});
    const std::string scaled = ctx.op("Mul", {e, scale}, h + "/" + which + "_scaled");
    const std::string pos = positions_for(ctx, positions, ids.name, h + "/" + which + "_positions");
    Tensor example = ops::index_select(s.src_tok_emb->weight.detach(), 0, ids.example.flatten());
    example = example.reshape(Shape{ids.example.size(0), ids.example.size(1), o.d_model});
    return Value{ctx.op("Add", {scaled, pos}, h + "/" + which + "_embedded"), example};
  };
  const Value padding = padding_mask(ctx, src, o.pad_id, kFloat32, h + "/source");
  auto& t = *s.transformer;
  const Value memory = export_encoder(ctx, *t.encoder, join_path(path, "transformer.encoder"),
                                      embed(src_table, src, "source"), {.src_key_padding_mask = padding});
  const Value out =
      export_decoder(ctx, *t.decoder, join_path(path, "transformer.decoder"), embed(tgt_table, tgt, "target"),
                     memory, {.memory_key_padding_mask = padding, .tgt_is_causal = true});
  Value logits = ctx.export_module(*s.generator, join_path(path, "generator"), {out})[0];
  if (inputs.size() == 2) {
    logits.example = s.forward(src.example, tgt.example);
    return {logits};
  }
  const std::string flat =
      ctx.op("Reshape", {logits.name, ctx.ints({-1, o.tgt_vocab_size}, h + "/flat_shape")}, h);
  return {{flat, m.forward(inputs[0].example)}};
}

}  // namespace

void register_text_model_exporters() {
  register_exporter("BertModel", export_bert);
  register_exporter("BertForMaskedLM", export_bert_mlm);
  register_exporter("BertForSequenceClassification", export_bert_classifier);
  register_exporter("TransformerSeq2Seq", export_seq2seq);
}

}  // namespace strata::onnx
