// The ONNX exporters of MultiheadAttention (self- and cross-attention, kdim/vdim, key_padding_mask, attn_mask
// and is_causal), the Transformer encoder and decoder layers and stacks and nn::Transformer, written with
// opset-17 primitives (MatMul, Softmax, LayerNormalization, Where); sequence lengths stay dynamic.
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/activation.h"
#include "strata/nn/attention.h"
#include "strata/nn/transformer.h"
#include "strata/ops/elementwise.h"

namespace strata::onnx {

namespace {

// x [.., in] @ w^T (+ b) with w [out, in].
std::string project(ExportContext& ctx, const std::string& x, const Tensor& w, const Tensor& b,
                    const std::string& name, const std::string& hint) {
  const std::string y =
      ctx.op("MatMul", {x, ctx.initializer(w.detach().t().contiguous(), name + "_weight_t")},
             b.defined() ? hint + "/matmul" : hint);
  if (!b.defined()) return y;
  return ctx.op("Add", {y, ctx.initializer(b.detach().contiguous(), name + "_bias")}, hint);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// [B, T, E] <-> [T, B, E].
std::string swap01(ExportContext& ctx, const std::string& x, const std::string& hint) {
  return ctx.op("Transpose", {x}, hint, {{"perm", std::vector<int64_t>{1, 0, 2}}});
}

// An nn.MultiheadAttention mask as a float mask of `dtype`: u8 nonzero -> -inf, 0 -> 0; float masks as they
// are (cast when their dtype differs).
std::string additive(ExportContext& ctx, const Value& mask, Dtype dtype, const std::string& hint) {
  if (mask.example.dtype() == kUInt8) {
    const std::string blocked = ctx.op("Cast", {mask.name}, hint + "/blocked",
                                       {{"to", static_cast<int64_t>(::onnx::TensorProto::BOOL)}});
    return ctx.op(
        "Where",
        {blocked, ctx.scalar(-kInf, dtype, hint + "/neg_inf"), ctx.scalar(0.0, dtype, hint + "/zero")}, hint);
  }
  if (mask.example.dtype() != dtype)
    return ctx.op("Cast", {mask.name}, hint, {{"to", static_cast<int64_t>(to_onnx_dtype(dtype))}});
  return mask.name;
}

// Float [L, S]: -inf where key j comes after query i + (S - L), from the run-time lengths of q and k [B, .,
// .].
std::string causal_mask_of(ExportContext& ctx, const std::string& q, const std::string& k, Dtype dtype,
                           const std::string& h) {
  const std::string L = dim_size(ctx, q, 1, h + "/L"), S = dim_size(ctx, k, 1, h + "/S");
  const std::string zero = ctx.ints({0}, h + "/zero_i", true), one = ctx.ints({1}, h + "/one_i", true);
  const std::string rows =
      ctx.op("Add", {ctx.op("Range", {zero, L, one}, h + "/rows"), ctx.op("Sub", {S, L}, h + "/offset")},
             h + "/last_key");
  const std::string cols = ctx.op("Range", {zero, S, one}, h + "/cols");
  const std::string after =
      ctx.op("Greater",
             {ctx.op("Unsqueeze", {cols, ctx.ints({0}, h + "/axis0")}, h + "/cols_row"),
              ctx.op("Unsqueeze", {rows, ctx.ints({1}, h + "/axis1")}, h + "/rows_col")},
             h + "/future");
  return ctx.op("Where",
                {after, ctx.scalar(-kInf, dtype, h + "/neg_inf"), ctx.scalar(0.0, dtype, h + "/zero")},
                h + "/causal_mask");
}

// Root exporter: inputs (query) for self-attention without masks, or (query, key, value[, key_padding_mask[,
// attn_mask]]) as nn.MultiheadAttention's positional arguments; an omitted mask has an empty name.
std::vector<Value> export_mha(ExportContext& ctx, nn::Module& m, const std::string& path,
                              const std::vector<Value>& inputs) {
  STRATA_CHECK(inputs.size() == 1 || (inputs.size() >= 3 && inputs.size() <= 5),
               "onnx::export_model: MultiheadAttention '{}' takes (input) or (query, key, value[, "
               "key_padding_mask[, attn_mask]]), got {} inputs",
               path, inputs.size());
  if (inputs.size() == 1) return {export_attention(ctx, m, path, inputs[0], inputs[0], inputs[0], {})};
  AttentionMasks masks;
  if (inputs.size() > 3) masks.key_padding_mask = inputs[3];
  if (inputs.size() > 4) masks.attn_mask = inputs[4];
  return {export_attention(ctx, m, path, inputs[0], inputs[1], inputs[2], masks)};
}

Value residual(ExportContext& ctx, const Value& a, const Value& b, const std::string& hint) {
  return {ctx.op("Add", {a.name, b.name}, hint), ops::add(a.example, b.example)};
}

// linear2(activation(linear1(x))) of an encoder or decoder layer.
Value feed_forward(ExportContext& ctx, nn::Module& m, const std::string& path, const std::string& activation,
                   const Value& in) {
  STRATA_CHECK(activation == "relu" || activation == "gelu",
               "onnx::export_model: {} '{}' has activation '{}' (relu or gelu export)", m.type_name(), path,
               activation);
  Value y = ctx.child(m, path, "linear1", in);
  if (activation == "relu") {
    y = {ctx.op("Relu", {y.name}, (path.empty() ? m.type_name() : path) + "/relu"), y.example.relu()};
  } else {
    // gelu through the GELU exporter (exact erf form).
    nn::GELU gelu;
    y = ctx.export_module(*gelu, join_path(path, "activation"), {y})[0];
  }
  return ctx.child(m, path, "linear2", y);
}

Value export_encoder_layer(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x,
                           const EncoderMaskValues& masks) {
  auto& l = checked_cast<nn::TransformerEncoderLayerImpl>(m, path);
  const std::string h = path.empty() ? "encoder_layer" : path;
  const AttentionMasks am{masks.src_key_padding_mask, masks.src_mask,
                          masks.is_causal && !masks.src_mask.present()};
  auto sa = [&](const Value& in) {
    return export_attention(ctx, *l.self_attn, join_path(path, "self_attn"), in, in, in, am);
  };
  auto ff = [&](const Value& in) { return feed_forward(ctx, m, path, l.options.activation, in); };
  Value cur = x;
  if (l.options.norm_first) {
    cur = residual(ctx, cur, sa(ctx.child(m, path, "norm1", cur)), h + "/res1");
    cur = residual(ctx, cur, ff(ctx.child(m, path, "norm2", cur)), h + "/res2");
  } else {
    cur = ctx.child(m, path, "norm1", residual(ctx, cur, sa(cur), h + "/res1"));
    cur = ctx.child(m, path, "norm2", residual(ctx, cur, ff(cur), h + "/res2"));
  }
  // The composed example may differ from forward()'s in rounding only; report forward()'s.
  cur.example = l.forward(x.example, {.src_mask = masks.src_mask.example,
                                      .src_key_padding_mask = masks.src_key_padding_mask.example,
                                      .is_causal = masks.is_causal});
  return cur;
}

Value export_decoder_layer(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& tgt,
                           const Value& memory, const DecoderMaskValues& masks) {
  auto& l = checked_cast<nn::TransformerDecoderLayerImpl>(m, path);
  const std::string h = path.empty() ? "decoder_layer" : path;
  auto sa = [&](const Value& in) {
    return export_attention(
        ctx, *l.self_attn, join_path(path, "self_attn"), in, in, in,
        {masks.tgt_key_padding_mask, masks.tgt_mask, masks.tgt_is_causal && !masks.tgt_mask.present()});
  };
  auto mha = [&](const Value& in) {
    return export_attention(ctx, *l.multihead_attn, join_path(path, "multihead_attn"), in, memory, memory,
                            {masks.memory_key_padding_mask, masks.memory_mask,
                             masks.memory_is_causal && !masks.memory_mask.present()});
  };
  auto ff = [&](const Value& in) { return feed_forward(ctx, m, path, l.options.activation, in); };
  Value cur = tgt;
  if (l.options.norm_first) {
    cur = residual(ctx, cur, sa(ctx.child(m, path, "norm1", cur)), h + "/res1");
    cur = residual(ctx, cur, mha(ctx.child(m, path, "norm2", cur)), h + "/res2");
    cur = residual(ctx, cur, ff(ctx.child(m, path, "norm3", cur)), h + "/res3");
  } else {
    cur = ctx.child(m, path, "norm1", residual(ctx, cur, sa(cur), h + "/res1"));
    cur = ctx.child(m, path, "norm2", residual(ctx, cur, mha(cur), h + "/res2"));
    cur = ctx.child(m, path, "norm3", residual(ctx, cur, ff(cur), h + "/res3"));
  }
  cur.example = l.forward(tgt.example, memory.example,
                          {.tgt_mask = masks.tgt_mask.example,
                           .memory_mask = masks.memory_mask.example,
                           .tgt_key_padding_mask = masks.tgt_key_padding_mask.example,
                           .memory_key_padding_mask = masks.memory_key_padding_mask.example,
                           .tgt_is_causal = masks.tgt_is_causal,
                           .memory_is_causal = masks.memory_is_causal});
  return cur;
}

// Optional input i (an omitted one when there are fewer inputs).
Value optional_input(const std::vector<Value>& inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : Value{};
}

// Root exporters with PyTorch's positional arguments: encoder (layer) (src[, mask[, src_key_padding_mask]]),
// decoder (layer) (tgt, memory[, tgt_mask[, memory_mask[, tgt_key_padding_mask[,
// memory_key_padding_mask]]]]), Transformer (src, tgt[, src_mask, tgt_mask, memory_mask,
// src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask]).
std::vector<Value> export_encoder_root(ExportContext& ctx, nn::Module& m, const std::string& path,
                                       const std::vector<Value>& inputs) {
  STRATA_CHECK(!inputs.empty() && inputs.size() <= 3,
               "onnx::export_model: {} '{}' takes (src[, mask[, src_key_padding_mask]]), got {} inputs",
               m.type_name(), path, inputs.size());
  return {
      export_encoder(ctx, m, path, inputs[0], {optional_input(inputs, 1), optional_input(inputs, 2), false})};
}

std::vector<Value> export_decoder_root(ExportContext& ctx, nn::Module& m, const std::string& path,
                                       const std::vector<Value>& inputs) {
  STRATA_CHECK(
      inputs.size() >= 2 && inputs.size() <= 6,
      "onnx::export_model: {} '{}' takes (tgt, memory[, tgt_mask, memory_mask, tgt_key_padding_mask, "
      "memory_key_padding_mask]), got {} inputs",
      m.type_name(), path, inputs.size());
  return {export_decoder(ctx, m, path, inputs[0], inputs[1],
                         {optional_input(inputs, 2), optional_input(inputs, 3), optional_input(inputs, 4),
                          optional_input(inputs, 5)})};
}

std::vector<Value> export_transformer(ExportContext& ctx, nn::Module& m, const std::string& path,
                                      const std::vector<Value>& inputs) {
  auto& t = checked_cast<nn::TransformerImpl>(m, path);
  STRATA_CHECK(inputs.size() >= 2 && inputs.size() <= 8,
               "onnx::export_model: Transformer '{}' takes (src, tgt[, src_mask, tgt_mask, memory_mask, "
               "src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask]), got {} inputs",
               path, inputs.size());
  const Value memory = export_encoder(ctx, *t.encoder, join_path(path, "encoder"), inputs[0],
                                      {optional_input(inputs, 2), optional_input(inputs, 5), false});
  Value out = export_decoder(ctx, *t.decoder, join_path(path, "decoder"), inputs[1], memory,
                             {optional_input(inputs, 3), optional_input(inputs, 4), optional_input(inputs, 6),
                              optional_input(inputs, 7)});
  nn::TransformerMasks tm{.src_mask = optional_input(inputs, 2).example,
                          .tgt_mask = optional_input(inputs, 3).example,
                          .memory_mask = optional_input(inputs, 4).example,
                          .src_key_padding_mask = optional_input(inputs, 5).example,
                          .tgt_key_padding_mask = optional_input(inputs, 6).example,
                          .memory_key_padding_mask = optional_input(inputs, 7).example};
  out.example = t.forward(inputs[0].example, inputs[1].example, tm);
  return {out};
}

}  // namespace

std::string dim_size(ExportContext& ctx, const std::string& x, int64_t dim, const std::string& hint) {
  return ctx.op("Gather", {ctx.op("Shape", {x}, hint + "/shape"), ctx.ints({dim}, hint + "/dim", true)}, hint,
                {{"axis", int64_t{0}}});
}

Value export_attention(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& query,
                       const Value& key, const Value& value, const AttentionMasks& masks) {
  auto& a = checked_cast<nn::MultiheadAttentionImpl>(m, path);
  const std::string h = path.empty() ? "mha" : path;
  STRATA_CHECK(query.example.dim() == 3 && key.example.dim() == 3 && value.example.dim() == 3,
               "onnx::export_model: MultiheadAttention '{}' exports for batched inputs, got {}, {} and {}",
               path, query.example.shape().str(), key.example.shape().str(), value.example.shape().str());
  const Tensor y = a.forward(query.example, key.example, value.example,
                             {.key_padding_mask = masks.key_padding_mask.example,
                              .need_weights = false,
                              .attn_mask = masks.attn_mask.example,
                              .is_causal = masks.is_causal})
                       .output;
  const int64_t E = a.embed_dim, H = a.num_heads, D = a.head_dim;
  const bool bf = a.options.batch_first;
  const Dtype dtype = query.example.dtype();
  // Work in [B, ., E].
  const std::string qb = bf ? query.name : swap01(ctx, query.name, h + "/q_batch_first");
  const std::string kb = key.name == query.name ? qb
                         : bf                   ? key.name
                                                : swap01(ctx, key.name, h + "/k_batch_first");
  const std::string vb = value.name == key.name ? kb
                         : bf                   ? value.name
                                                : swap01(ctx, value.name, h + "/v_batch_first");
  Tensor wq, wk, wv, bq, bk, bv;
  if (a.in_proj_weight.defined()) {
    wq = a.in_proj_weight.narrow(0, 0, E);
    wk = a.in_proj_weight.narrow(0, E, E);
    wv = a.in_proj_weight.narrow(0, 2 * E, E);
  } else {
    wq = a.q_proj_weight;
    wk = a.k_proj_weight;
    wv = a.v_proj_weight;
  }
  if (a.in_proj_bias.defined()) {
    bq = a.in_proj_bias.narrow(0, 0, E);
    bk = a.in_proj_bias.narrow(0, E, E);
    bv = a.in_proj_bias.narrow(0, 2 * E, E);
  }
  const std::string base = path.empty() ? "mha" : path;
  // [B, T, E] -> [B, H, T, D] (or [B, H, D, T] for keys): Reshape copies B and T (0), so both stay dynamic.
  const std::string split = ctx.ints({0, 0, H, D}, h + "/split_shape");
  auto heads = [&](const std::string& x, const Tensor& w, const Tensor& b, const std::string& which,
                   std::vector<int64_t> perm) {
    const std::string p = project(ctx, x, w, b, base + "." + which, h + "/" + which);
    const std::string r = ctx.op("Reshape", {p, split}, h + "/" + which + "_heads");
    return ctx.op("Transpose", {r}, h + "/" + which + "_t", {{"perm", perm}});
  };
  const std::string q = heads(qb, wq, bq, "q", {0, 2, 1, 3});
  const std::string k = heads(kb, wk, bk, "k", {0, 2, 3, 1});
  const std::string v = heads(vb, wv, bv, "v", {0, 2, 1, 3});
  const std::string qs = ctx.op(
      "Mul", {q, ctx.scalar(1.0 / std::sqrt(static_cast<double>(D)), dtype, h + "/scale")}, h + "/q_scaled");
  std::string scores = ctx.op("MatMul", {qs, k}, h + "/scores");  // [B, H, L, S]
  std::string mask;
  auto add_mask = [&](const std::string& mm) {
    mask = mask.empty() ? mm : ctx.op("Add", {mask, mm}, h + "/mask");
  };
  if (masks.attn_mask.present()) {
    const Tensor& am = masks.attn_mask.example;
    STRATA_CHECK(
        am.dim() == 2 || am.dim() == 3,
        "onnx::export_model: MultiheadAttention '{}': attn_mask must be [L, S] or [B * heads, L, S], got {}",
        path, am.shape().str());
    std::string mm = additive(ctx, masks.attn_mask, dtype, h + "/attn_mask");
    if (am.dim() == 3) {
      // [B * H, L, S] -> [B, H, L, S] with B from the query's run-time shape (no -1: batch 0 works).
      const std::string shape = ctx.op(
          "Concat",
          {ctx.op("Slice",
                  {ctx.op("Shape", {qb}, h + "/q_shape"), ctx.ints({0}, h + "/s0"), ctx.ints({1}, h + "/s1")},
                  h + "/batch"),
           ctx.ints({H}, h + "/heads"),
           ctx.op(
               "Slice",
               {ctx.op("Shape", {mm}, h + "/mask_shape"), ctx.ints({1}, h + "/m1"), ctx.ints({3}, h + "/m3")},
               h + "/mask_ls")},
          h + "/mask_4d_shape", {{"axis", int64_t{0}}});
      mm = ctx.op("Reshape", {mm, shape}, h + "/attn_mask_4d");
    }
    add_mask(mm);
  }
  if (masks.key_padding_mask.present()) {
    STRATA_CHECK(masks.key_padding_mask.example.dim() == 2,
                 "onnx::export_model: MultiheadAttention '{}': key_padding_mask must be [B, S], got {}", path,
                 masks.key_padding_mask.example.shape().str());
    const std::string kp = additive(ctx, masks.key_padding_mask, dtype, h + "/key_padding");
    add_mask(ctx.op("Unsqueeze", {kp, ctx.ints({1, 2}, h + "/axes12")}, h + "/key_padding_4d"));
  }
  if (masks.is_causal) add_mask(causal_mask_of(ctx, qb, kb, dtype, h));
  std::string attn;
  if (mask.empty()) {
    attn = ctx.op("Softmax", {scores}, h + "/attn", {{"axis", int64_t{-1}}});
  } else {
    scores = ctx.op("Add", {scores, mask}, h + "/scores_masked");
    // A query whose keys are all blocked attends to nothing (zero weights), as strata computes it.
    const std::string dead = ctx.op("Equal",
                                    {ctx.op("ReduceMax", {scores}, h + "/row_max",
                                            {{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}}),
                                     ctx.scalar(-kInf, dtype, h + "/neg_inf_row")},
                                    h + "/dead");
    const std::string zero = ctx.scalar(0.0, dtype, h + "/zero_score");
    const std::string p = ctx.op("Softmax", {ctx.op("Where", {dead, zero, scores}, h + "/scores_live")},
                                 h + "/p", {{"axis", int64_t{-1}}});
    attn = ctx.op("Where", {dead, zero, p}, h + "/attn");
  }
  const std::string ctxv = ctx.op("MatMul", {attn, v}, h + "/context");  // [B, H, L, D]
  const std::string merged =
      ctx.op("Reshape",
             {ctx.op("Transpose", {ctxv}, h + "/context_t", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}),
              ctx.ints({0, 0, E}, h + "/merge_shape")},
             h + "/merged");
  auto& out_proj = *a.out_proj;
  std::string out = project(ctx, merged, out_proj.weight, out_proj.bias, join_path(path, "out_proj"),
                            bf ? h : h + "/out_batch_first");
  if (!bf) out = swap01(ctx, out, h);
  return {out, y};
}

Value export_encoder(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& src,
                     const EncoderMaskValues& masks) {
  if (m.type_name() == "TransformerEncoderLayer") return export_encoder_layer(ctx, m, path, src, masks);
  auto& e = checked_cast<nn::TransformerEncoderImpl>(m, path);
  Value cur = src;
  for (size_t i = 0; i < e.layers->size(); ++i) {
    cur = export_encoder_layer(ctx, *(*e.layers)[i], join_path(join_path(path, "layers"), std::to_string(i)),
                               cur, masks);
  }
  if (e.norm) cur = ctx.child(m, path, "norm", cur);
  return cur;
}

Value export_decoder(ExportContext& ctx, nn::Module& m, const std::string& path, const Value& tgt,
                     const Value& memory, const DecoderMaskValues& masks) {
  if (m.type_name() == "TransformerDecoderLayer")
    return export_decoder_layer(ctx, m, path, tgt, memory, masks);
  auto& d = checked_cast<nn::TransformerDecoderImpl>(m, path);
  Value cur = tgt;
  for (size_t i = 0; i < d.layers->size(); ++i) {
    cur = export_decoder_layer(ctx, *(*d.layers)[i], join_path(join_path(path, "layers"), std::to_string(i)),
                               cur, memory, masks);
  }
  if (d.norm) cur = ctx.child(m, path, "norm", cur);
  return cur;
}

std::string attention_heads(ExportContext& ctx, const std::string& x, const std::vector<Tensor>& w,
                            const std::vector<Tensor>& b, int64_t H, Dtype dtype, bool causal,
                            const std::string& base, const std::string& h) {
  const int64_t E = w[0].size(0), D = E / H;
  // Reshapes copy B and T (0), so both stay dynamic.
  const std::string split = ctx.ints({0, 0, H, D}, h + "/split_shape");
  auto heads = [&](int i, const std::string& which, std::vector<int64_t> perm) {
    const std::string p = project(ctx, x, w[static_cast<size_t>(i)], b[static_cast<size_t>(i)],
                                  base + "." + which, h + "/" + which);
    const std::string r = ctx.op("Reshape", {p, split}, h + "/" + which + "_heads");
    return ctx.op("Transpose", {r}, h + "/" + which + "_t", {{"perm", perm}});
  };
  const std::string q = heads(0, "q", {0, 2, 1, 3});  // [B, H, T, D]
  const std::string k = heads(1, "k", {0, 2, 3, 1});  // [B, H, D, T]
  const std::string v = heads(2, "v", {0, 2, 1, 3});  // [B, H, T, D]
  const std::string qs = ctx.op(
      "Mul", {q, ctx.scalar(1.0 / std::sqrt(static_cast<double>(D)), dtype, h + "/scale")}, h + "/q_scaled");
  std::string scores = ctx.op("MatMul", {qs, k}, h + "/scores");
  // -inf above the diagonal (query i sees keys j <= i), built from the run-time length.
  if (causal) scores = ctx.op("Add", {scores, causal_mask_of(ctx, x, x, dtype, h)}, h + "/scores_masked");
  const std::string attn = ctx.op("Softmax", {scores}, h + "/attn", {{"axis", int64_t{-1}}});
  const std::string ctxv = ctx.op("MatMul", {attn, v}, h + "/context");
  return ctx.op("Reshape",
                {ctx.op("Transpose", {ctxv}, h + "/context_t", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}),
                 ctx.ints({0, 0, E}, h + "/merge_shape")},
                h + "/merged");
}

void register_attention_exporters() {
  register_exporter("MultiheadAttention", export_mha);
  register_exporter("TransformerEncoderLayer", export_encoder_root);
  register_exporter("TransformerEncoder", export_encoder_root);
  register_exporter("TransformerDecoderLayer", export_decoder_root);
  register_exporter("TransformerDecoder", export_decoder_root);
  register_exporter("Transformer", export_transformer);
}

}  // namespace strata::onnx
