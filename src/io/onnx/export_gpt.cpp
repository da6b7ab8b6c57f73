// The ONNX exporter of the GPT zoo model without a KV cache: token and position embeddings, pre-norm blocks
// of causal self-attention and a GELU MLP, the final LayerNorm and the logits tied to the token embedding.
// The sequence length is dynamic up to block_size (position rows sliced by the ids' shape, the causal mask
// built from it).
#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/models/gpt.h"
#include "strata/nn/activation.h"
#include "strata/ops/elementwise.h"

namespace strata::onnx {

namespace {

Value add(ExportContext& ctx, const Value& a, const Value& b, const std::string& hint) {
  return {ctx.op("Add", {a.name, b.name}, hint), ops::add(a.example, b.example)};
}

std::vector<Value> export_causal_attention(ExportContext& ctx, nn::Module& m, const std::string& path,
                                           const std::vector<Value>& inputs) {
  auto& a = checked_cast<models::CausalSelfAttentionImpl>(m, path);
  const Value& x = inputs.at(0);
  const std::string h = path.empty() ? "attn" : path;
  const int64_t C = a.n_embd;
  const Tensor w = a.c_attn->weight, b = a.c_attn->bias;
  std::vector<Tensor> ws{w.narrow(0, 0, C), w.narrow(0, C, C), w.narrow(0, 2 * C, C)};
  std::vector<Tensor> bs(3);
  if (b.defined()) bs = {b.narrow(0, 0, C), b.narrow(0, C, C), b.narrow(0, 2 * C, C)};
  const std::string merged =
      attention_heads(ctx, x.name, ws, bs, a.n_head, x.example.dtype(), true, join_path(path, "c_attn"), h);
  // c_proj: merged @ W^T (+ b).
  const std::string wt =
      ctx.initializer(a.c_proj->weight.detach().t().contiguous(), join_path(path, "c_proj.weight_t"));
  std::string out = ctx.op("MatMul", {merged, wt}, a.c_proj->bias.defined() ? h + "/c_proj_matmul" : h);
  if (a.c_proj->bias.defined()) {
    out = ctx.op("Add", {out, ctx.initializer(a.c_proj->bias, join_path(path, "c_proj.bias"))}, h);
  }
  return {{out, m.forward(x.example)}};
}

std::vector<Value> export_mlp(ExportContext& ctx, nn::Module& m, const std::string& path,
                              const std::vector<Value>& inputs) {
  const Value y = ctx.child(m, path, "c_fc", inputs.at(0));
  nn::GELU gelu;
  const Value g = ctx.export_module(*gelu, join_path(path, "gelu"), {y})[0];
  return {ctx.child(m, path, "c_proj", g)};
}

std::vector<Value> export_block(ExportContext& ctx, nn::Module& m, const std::string& path,
                                const std::vector<Value>& inputs) {
  Value x = inputs.at(0);
  x = add(ctx, x, ctx.child(m, path, "attn", ctx.child(m, path, "ln_1", x)), join_path(path, "res1"));
  x = add(ctx, x, ctx.child(m, path, "mlp", ctx.child(m, path, "ln_2", x)), join_path(path, "res2"));
  return {x};
}

std::vector<Value> export_gpt(ExportContext& ctx, nn::Module& m, const std::string& path,
                              const std::vector<Value>& inputs) {
  auto& g = checked_cast<models::GPTImpl>(m, path);
  const Value& idx = inputs.at(0);
  STRATA_CHECK(idx.example.dim() == 2 && idx.example.dtype() == kInt64,
               "onnx::export_model: GPT '{}' exports for token ids [B, T] of dtype i64, got {}", path,
               idx.example.shape().str());
  const std::string h = path.empty() ? "gpt" : path;
  const int64_t T = idx.example.size(1);
  const std::string wte = ctx.initializer(g.wte->weight, join_path(path, "transformer.wte.weight"));
  const std::string tok = ctx.op("Gather", {wte, idx.name}, h + "/wte", {{"axis", int64_t{0}}});
  // The position rows [0, T) with T read from the ids' shape: any length up to block_size runs.
  const std::string len = ctx.op("Slice",
                                 {ctx.op("Shape", {idx.name}, h + "/ids_shape"),
                                  ctx.ints({1}, h + "/len_start"), ctx.ints({2}, h + "/len_end")},
                                 h + "/length");
  const std::string pos = ctx.op("Slice",
                                 {ctx.initializer(g.wpe->weight, join_path(path, "transformer.wpe.weight")),
                                  ctx.ints({0}, h + "/zero"), len, ctx.ints({0}, h + "/axis0")},
                                 h + "/positions");
  Value x{ctx.op("Add", {tok, pos}, h + "/embed"),
          ops::add(g.wte(idx.example), g.wpe->weight.narrow(0, 0, T))};
  for (size_t i = 0; i < g.h->named_children().size(); ++i) {
    const auto& [name, block] = g.h->named_children()[i];
    x = ctx.export_module(*block, join_path(join_path(path, "transformer.h"), name), {x})[0];
  }
  x = ctx.export_module(*g.ln_f, join_path(path, "transformer.ln_f"), {x})[0];
  // Logits with the tied token embedding: x wte^T.
  const std::string logits = ctx.op(
      "MatMul",
      {x.name, ctx.initializer(g.wte->weight.detach().t().contiguous(), join_path(path, "lm_head.weight_t"))},
      h + "/logits");
  return {{logits, m.forward(idx.example)}};
}

}  // namespace

void register_gpt_exporters() {
  register_exporter("CausalSelfAttention", export_causal_attention);
  register_exporter("MLP", export_mlp);
  register_exporter("Block", export_block);
  register_exporter("GPT", export_gpt);
}

}  // namespace strata::onnx
