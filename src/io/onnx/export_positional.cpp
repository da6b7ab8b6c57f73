// The ONNX exporters of the positional encodings: sinusoidal and learned tables as initializers sliced to the
// input's run-time sequence length, and the rotary embedding as cos/sin initializers applied with
// Slice/Mul/Sub/Add/Concat (half-split pairs, as ops::apply_rotary_embedding).
#include <algorithm>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/positional.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/rotary.h"

namespace strata::onnx {

namespace {

// The rows [0, T) of `table` (an initializer [max_len, F]) for x [..., T, .]: T is read from x's shape, so
// any length up to max_len runs.
std::string rows_for_length(ExportContext& ctx, const std::string& table, const std::string& x,
                            const std::string& h) {
  const std::string len = ctx.op("Slice",
                                 {ctx.op("Shape", {x}, h + "/x_shape"), ctx.ints({-2}, h + "/len_start"),
                                  ctx.ints({-1}, h + "/len_end")},
                                 h + "/length");
  return ctx.op("Slice", {table, ctx.ints({0}, h + "/zero"), len, ctx.ints({0}, h + "/axis")}, h + "/rows");
}

// x + table[0 : T] for the added encodings.
std::vector<Value> export_added(ExportContext& ctx, nn::Module& m, const std::string& path,
                                const std::vector<Value>& inputs, const Tensor& table,
                                const std::string& name) {
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: {} '{}' takes one input, got {}", m.type_name(), path,
               inputs.size());
  const Value& x = inputs[0];
  const std::string h = path.empty() ? m.type_name() : path;
  Tensor t = table.detach();
  if (t.dtype() != x.example.dtype()) t = t.to(x.example.dtype());
  const std::string rows =
      rows_for_length(ctx, ctx.initializer(t.contiguous(), join_path(path, name)), x.name, h);
  return {{ctx.op("Add", {x.name, rows}, h), m.forward(x.example)}};
}

std::vector<Value> export_rotary(ExportContext& ctx, nn::Module& m, const std::string& path,
                                 const std::vector<Value>& inputs) {
  auto& r = checked_cast<nn::RotaryEmbeddingImpl>(m, path);
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: RotaryEmbedding '{}' takes one input, got {}", path,
               inputs.size());
  const Value& x = inputs[0];
  const std::string h = path.empty() ? "rotary" : path;
  const int64_t T = x.example.size(-2), half = r.dim / 2;
  // Tables for at least the module's default 2048 positions (and the traced length when longer): the
  // exported model runs any length up to that.
  const int64_t positions = std::max<int64_t>(T, 2048);
  const Tensor angles =
      ops::rotary_angles(arange(static_cast<double>(positions), {.dtype = kInt64}), r.dim, r.base);
  const Dtype dt = x.example.dtype();
  const std::string c =
      rows_for_length(ctx, ctx.initializer(ops::cos(angles).to(dt), h + ".cos"), x.name, h + "/cos");
  const std::string s =
      rows_for_length(ctx, ctx.initializer(ops::sin(angles).to(dt), h + ".sin"), x.name, h + "/sin");
  const std::string axis = ctx.ints({-1}, h + "/last_axis");
  const std::string x1 = ctx.op(
      "Slice", {x.name, ctx.ints({0}, h + "/x1_start"), ctx.ints({half}, h + "/x1_end"), axis}, h + "/x1");
  const std::string x2 =
      ctx.op("Slice", {x.name, ctx.ints({half}, h + "/x2_start"), ctx.ints({r.dim}, h + "/x2_end"), axis},
             h + "/x2");
  const std::string first = ctx.op(
      "Sub", {ctx.op("Mul", {x1, c}, h + "/x1_cos"), ctx.op("Mul", {x2, s}, h + "/x2_sin")}, h + "/first");
  const std::string second = ctx.op(
      "Add", {ctx.op("Mul", {x2, c}, h + "/x2_cos"), ctx.op("Mul", {x1, s}, h + "/x1_sin")}, h + "/second");
  return {{ctx.op("Concat", {first, second}, h, {{"axis", int64_t{-1}}}), m.forward(x.example)}};
}

}  // namespace

void register_positional_exporters() {
  register_exporter(
      "SinusoidalPositionalEncoding",
      [](ExportContext& ctx, nn::Module& m, const std::string& path, const std::vector<Value>& in) {
        auto& p = checked_cast<nn::SinusoidalPositionalEncodingImpl>(m, path);
        return export_added(ctx, m, path, in, p.pe, "pe");
      });
  register_exporter("LearnedPositionalEncoding", [](ExportContext& ctx, nn::Module& m,
                                                    const std::string& path, const std::vector<Value>& in) {
    auto& p = checked_cast<nn::LearnedPositionalEncodingImpl>(m, path);
    return export_added(ctx, m, path, in, p.weight, "weight");
  });
  register_exporter("RotaryEmbedding", export_rotary);
}

}  // namespace strata::onnx
