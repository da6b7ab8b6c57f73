// The ONNX exporters of MultiheadAttention (self-attention without masks), TransformerEncoderLayer and
// TransformerEncoder, written with opset-17 primitives: MatMul, Softmax, LayerNormalization.
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

std::vector<Value> export_mha(ExportContext& ctx, nn::Module& m, const std::string& path,
                              const std::vector<Value>& inputs) {
  auto& a = checked_cast<nn::MultiheadAttentionImpl>(m, path);
  const std::string h = path.empty() ? "mha" : path;
  STRATA_CHECK(
      inputs.size() == 1,
      "onnx::export_model: MultiheadAttention '{}' exports as self-attention of one input, got {} inputs",
      path, inputs.size());
  const Value& x = inputs[0];
  STRATA_CHECK(x.example.dim() == 3,
               "onnx::export_model: MultiheadAttention '{}' exports for batched input, got {}", path,
               x.example.shape().str());
  const Tensor y = m.forward(x.example);
  const int64_t E = a.embed_dim, H = a.num_heads;
  const bool bf = a.options.batch_first;
  const int64_t T = x.example.size(bf ? 1 : 0);
  // Work in [B, T, E].
  std::string xb =
      bf ? x.name
         : ctx.op("Transpose", {x.name}, h + "/to_batch_first", {{"perm", std::vector<int64_t>{1, 0, 2}}});
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
  const std::string merged =
      attention_heads(ctx, xb, {wq, wk, wv}, {bq, bk, bv}, T, H, x.example.dtype(), false, base, h);
  auto& out_proj = *a.out_proj;
  std::string out = project(ctx, merged, out_proj.weight, out_proj.bias, join_path(path, "out_proj"),
                            bf ? h : h + "/out_batch_first");
  if (!bf) out = ctx.op("Transpose", {out}, h, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  return {{out, y}};
}

Value residual(ExportContext& ctx, const Value& a, const Value& b, const std::string& hint) {
  return {ctx.op("Add", {a.name, b.name}, hint), ops::add(a.example, b.example)};
}

std::vector<Value> export_encoder_layer(ExportContext& ctx, nn::Module& m, const std::string& path,
                                        const std::vector<Value>& inputs) {
  auto& l = checked_cast<nn::TransformerEncoderLayerImpl>(m, path);
  const std::string h = path.empty() ? "encoder_layer" : path;
  const Value& x = inputs.at(0);
  STRATA_CHECK(l.options.activation == "relu" || l.options.activation == "gelu",
               "onnx::export_model: TransformerEncoderLayer '{}' has activation '{}' (relu or gelu export)",
               path, l.options.activation);
  auto feed_forward = [&](const Value& in) {
    Value y = ctx.child(m, path, "linear1", in);
    if (l.options.activation == "relu") {
      y = {ctx.op("Relu", {y.name}, h + "/relu"), y.example.relu()};
    } else {
      // gelu through the GELU exporter (exact erf form).
      nn::GELU gelu;
      y = ctx.export_module(*gelu, join_path(path, "activation"), {y})[0];
    }
    return ctx.child(m, path, "linear2", y);
  };
  Value cur = x;
  if (l.options.norm_first) {
    cur = residual(ctx, cur, ctx.child(m, path, "self_attn", ctx.child(m, path, "norm1", cur)), h + "/res1");
    cur = residual(ctx, cur, feed_forward(ctx.child(m, path, "norm2", cur)), h + "/res2");
  } else {
    cur = ctx.child(m, path, "norm1", residual(ctx, cur, ctx.child(m, path, "self_attn", cur), h + "/res1"));
    cur = ctx.child(m, path, "norm2", residual(ctx, cur, feed_forward(cur), h + "/res2"));
  }
  // The composed example may differ from forward()'s in rounding only; report forward()'s.
  cur.example = m.forward(x.example);
  return {cur};
}

std::vector<Value> export_encoder(ExportContext& ctx, nn::Module& m, const std::string& path,
                                  const std::vector<Value>& inputs) {
  auto& e = checked_cast<nn::TransformerEncoderImpl>(m, path);
  Value cur = inputs.at(0);
  nn::Module& layers = child_of(m, "layers", path);
  for (const auto& [name, layer] : layers.named_children()) {
    cur = ctx.export_module(*layer, join_path(join_path(path, "layers"), name), {cur})[0];
  }
  if (e.norm) cur = ctx.child(m, path, "norm", cur);
  return {cur};
}

}  // namespace

std::string attention_heads(ExportContext& ctx, const std::string& x, const std::vector<Tensor>& w,
                            const std::vector<Tensor>& b, int64_t T, int64_t H, Dtype dtype, bool causal,
                            const std::string& base, const std::string& h) {
  const int64_t E = w[0].size(0), D = E / H;
  auto heads = [&](int i, const std::string& which, std::vector<int64_t> perm) {
    const std::string p = project(ctx, x, w[static_cast<size_t>(i)], b[static_cast<size_t>(i)],
                                  base + "." + which, h + "/" + which);
    const std::string r = ctx.reshape(p, {0, T, H, D}, h + "/" + which + "_heads");
    return ctx.op("Transpose", {r}, h + "/" + which + "_t", {{"perm", perm}});
  };
  const std::string q = heads(0, "q", {0, 2, 1, 3});  // [B, H, T, D]
  const std::string k = heads(1, "k", {0, 2, 3, 1});  // [B, H, D, T]
  const std::string v = heads(2, "v", {0, 2, 1, 3});  // [B, H, T, D]
  const std::string qs = ctx.op(
      "Mul", {q, ctx.scalar(1.0 / std::sqrt(static_cast<double>(D)), dtype, h + "/scale")}, h + "/q_scaled");
  std::string scores = ctx.op("MatMul", {qs, k}, h + "/scores");
  if (causal) {
    // -inf above the diagonal: query i sees keys j <= i.
    Tensor mask = zeros({T, T}, {.dtype = dtype});
    for (int64_t i = 0; i < T; ++i) {
      for (int64_t j = i + 1; j < T; ++j) mask.set_at({i, j}, -std::numeric_limits<double>::infinity());
    }
    scores = ctx.op("Add", {scores, ctx.initializer(mask, h + "/causal_mask")}, h + "/scores_masked");
  }
  const std::string attn = ctx.op("Softmax", {scores}, h + "/attn", {{"axis", int64_t{-1}}});
  const std::string ctxv = ctx.op("MatMul", {attn, v}, h + "/context");
  return ctx.reshape(
      ctx.op("Transpose", {ctxv}, h + "/context_t", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}), {0, T, E},
      h + "/merged");
}

void register_attention_exporters() {
  register_exporter("MultiheadAttention", export_mha);
  register_exporter("TransformerEncoderLayer", export_encoder_layer);
  register_exporter("TransformerEncoder", export_encoder);
}

}  // namespace strata::onnx
