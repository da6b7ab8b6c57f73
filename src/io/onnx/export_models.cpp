// The ONNX exporters of the zoo models whose forward is hand-written (ResNet and its blocks, MobileNetV2's
// inverted residuals, VGG): each walks the model's children in the order its forward runs them.
#include "io/onnx/export_context.h"
#include "strata/models/flattened_logits.h"
#include "strata/models/mobilenet_v2.h"
#include "strata/models/resnet.h"
#include "strata/models/vgg.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/pooling.h"

namespace strata::onnx {

namespace {

Value relu(ExportContext& ctx, const Value& x, const std::string& hint) {
  return {ctx.op("Relu", {x.name}, hint), x.example.relu()};
}

Value add(ExportContext& ctx, const Value& a, const Value& b, const std::string& hint) {
  return {ctx.op("Add", {a.name, b.name}, hint), ops::add(a.example, b.example)};
}

Value flatten1(ExportContext& ctx, const Value& x, const std::string& hint) {
  return {ctx.op("Flatten", {x.name}, hint, {{"axis", int64_t{1}}}), x.example.flatten(1)};
}

// out = relu(main(x) + (downsample ? downsample(x) : x)), main = the block's conv/bn chain.
std::vector<Value> residual_block(ExportContext& ctx, nn::Module& m, const std::string& path,
                                  const std::vector<Value>& inputs, int convs) {
  const Value& x = inputs.at(0);
  Value y = x;
  for (int i = 1; i <= convs; ++i) {
    y = ctx.child(m, path, "conv" + std::to_string(i), y);
    y = ctx.child(m, path, "bn" + std::to_string(i), y);
    if (i < convs) y = relu(ctx, y, join_path(path, "relu" + std::to_string(i)));
  }
  Value skip = x;
  for (const auto& [name, child] : m.named_children()) {
    if (name == "downsample") skip = ctx.export_module(*child, join_path(path, name), {x})[0];
  }
  return {relu(ctx, add(ctx, y, skip, join_path(path, "add")), join_path(path, "out"))};
}

}  // namespace

void register_model_exporters() {
  // The wrapped model's nodes (its children are the wrapper's, so paths and initializer names stay the
  // model's), then the first two dimensions merged.
  register_exporter("FlattenedLogits",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) -> std::vector<Value> {
                      auto& f = checked_cast<models::FlattenedLogitsImpl>(m, path);
                      const Value y = ctx.export_module(*f.model, path, in)[0];
                      std::vector<int64_t> dims{-1};
                      for (int64_t d = 2; d < y.example.dim(); ++d) dims.push_back(y.example.size(d));
                      const std::string h = path.empty() ? "flattened_logits" : path + "/flatten";
                      return {{ctx.reshape(y.name, dims, h), m.forward(in.at(0).example)}};
                    });
  register_exporter("BasicBlock",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) { return residual_block(ctx, m, path, in, 2); });
  register_exporter("Bottleneck",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) { return residual_block(ctx, m, path, in, 3); });
  register_exporter("ResNet",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) -> std::vector<Value> {
                      auto& r = checked_cast<models::ResNetImpl>(m, path);
                      Value y = ctx.child(m, path, "conv1", in.at(0));
                      y = relu(ctx, ctx.child(m, path, "bn1", y), join_path(path, "relu"));
                      if (r.maxpool) y = ctx.child(m, path, "maxpool", y);
                      for (size_t i = 0; i < r.layers.size(); ++i)
                        y = ctx.child(m, path, "layer" + std::to_string(i + 1), y);
                      y = flatten1(ctx, ctx.child(m, path, "avgpool", y), join_path(path, "flatten"));
                      return {ctx.child(m, path, "fc", y)};
                    });
  register_exporter("InvertedResidual",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) -> std::vector<Value> {
                      auto& b = checked_cast<models::InvertedResidualImpl>(m, path);
                      const Value y = ctx.child(m, path, "conv", in.at(0));
                      if (!b.use_res_connect) return {y};
                      return {add(ctx, in.at(0), y, join_path(path, "add"))};
                    });
  register_exporter("MobileNetV2",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) -> std::vector<Value> {
                      Value y = ctx.child(m, path, "features", in.at(0));
                      y = {ctx.op("GlobalAveragePool", {y.name}, join_path(path, "avgpool")),
                           ops::adaptive_avg_pool2d(y.example, 1)};
                      y = flatten1(ctx, y, join_path(path, "flatten"));
                      return {ctx.child(m, path, "classifier", y)};
                    });
  register_exporter("VGG",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& in) -> std::vector<Value> {
                      Value y = ctx.child(m, path, "features", in.at(0));
                      y = flatten1(ctx, ctx.child(m, path, "avgpool", y), join_path(path, "flatten"));
                      return {ctx.child(m, path, "classifier", y)};
                    });
}

}  // namespace strata::onnx
