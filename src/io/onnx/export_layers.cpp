// The ONNX exporters of strata's layers and containers: one function per layer kind, writing opset-13..17
// nodes (docs/onnx.md has the mapping table).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/dropout.h"
#include "strata/nn/embedding.h"
#include "strata/nn/graph.h"
#include "strata/nn/linear.h"
#include "strata/nn/masked_sequence.h"
#include "strata/nn/merge.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/nn/upsample.h"
#include "strata/ops/normalization.h"
#include "strata/ops/view.h"

namespace strata::onnx {

namespace {

template <typename T>
T& as(nn::Module& m, const std::string& path) {
  auto* p = dynamic_cast<T*>(&m);
  STRATA_CHECK(p != nullptr, "onnx::export_model: module '{}' says it is a {} but is not", path,
               m.type_name());
  return *p;
}

std::string hint_of(const std::string& path, const std::string& fallback) {
  return path.empty() ? fallback : path;
}

const Value& single(const std::vector<Value>& inputs, const std::string& path, const nn::Module& m) {
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: {} '{}' takes one input, got {}", m.type_name(), path,
               inputs.size());
  return inputs[0];
}

// Registers an exporter for a single-input module whose nodes `body` writes; the output's example is the
// module's own forward on the input's example.
void unary(const std::string& type,
           std::function<std::string(ExportContext&, nn::Module&, const std::string&, const Value&)> body) {
  register_exporter(type,
                    [body](ExportContext& ctx, nn::Module& m, const std::string& path,
                           const std::vector<Value>& inputs) -> std::vector<Value> {
                      const Value& x = single(inputs, path, m);
                      Tensor y = m.forward(x.example);
                      return {{body(ctx, m, path, x), y}};
                    });
}

// Registers a module that is one ONNX node on its input.
void simple(const std::string& type, const std::string& op,
            std::function<std::vector<Attr>(nn::Module&, const std::string&)> attrs = nullptr) {
  unary(type, [op, attrs](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    return ctx.op(op, {x.name}, hint_of(path, op), attrs ? attrs(m, path) : std::vector<Attr>{});
  });
}

std::vector<int64_t> pads2(int64_t h, int64_t w) { return {h, w, h, w}; }

// ONNX pads for a strata convolution's padding (numbers, or "same" = PyTorch's split, extra on the end).
std::vector<int64_t> conv_pads(const ops::Padding2& p, std::vector<int64_t> kernel,
                               std::vector<int64_t> dilation) {
  const size_t n = kernel.size();
  std::vector<int64_t> begin(n), end(n);
  for (size_t i = 0; i < n; ++i) {
    if (p.same) {
      const int64_t total = dilation[i] * (kernel[i] - 1);
      begin[i] = total / 2;
      end[i] = total - begin[i];
    } else {
      begin[i] = end[i] = (n == 1 ? p.w : (i == 0 ? p.h : p.w));
    }
  }
  begin.insert(begin.end(), end.begin(), end.end());
  return begin;
}

int64_t norm_dim(int64_t d, int64_t rank) { return d < 0 ? d + rank : d; }

// x * Sigmoid(x) style products and other small compositions.
std::string mul(ExportContext& ctx, const std::string& a, const std::string& b, const std::string& hint) {
  return ctx.op("Mul", {a, b}, hint);
}

// A per-channel tensor [C] reshaped to broadcast against a [N, C, ...] input of `rank`.
Tensor channel_view(const Tensor& t, int64_t rank) {
  std::vector<int64_t> dims{t.numel()};
  for (int64_t i = 2; i < rank; ++i) dims.push_back(1);
  return t.detach().contiguous().reshape(Shape(dims));
}

void register_activations() {
  simple("ReLU", "Relu");
  simple("SELU", "Selu");
  simple("Sigmoid", "Sigmoid");
  simple("Tanh", "Tanh");
  simple("Hardswish", "HardSwish");
  simple("Hardsigmoid", "HardSigmoid", [](nn::Module&, const std::string&) {
    return std::vector<Attr>{{"alpha", 1.0 / 6.0}, {"beta", 0.5}};
  });
  simple("LeakyReLU", "LeakyRelu", [](nn::Module& m, const std::string& path) {
    return std::vector<Attr>{{"alpha", checked_cast<nn::LeakyReLUImpl>(m, path).negative_slope}};
  });
  simple("ELU", "Elu", [](nn::Module& m, const std::string& path) {
    return std::vector<Attr>{{"alpha", checked_cast<nn::ELUImpl>(m, path).alpha}};
  });
  simple("Softmax", "Softmax", [](nn::Module& m, const std::string& path) {
    return std::vector<Attr>{{"axis", checked_cast<nn::SoftmaxImpl>(m, path).dim}};
  });
  simple("LogSoftmax", "LogSoftmax", [](nn::Module& m, const std::string& path) {
    return std::vector<Attr>{{"axis", checked_cast<nn::LogSoftmaxImpl>(m, path).dim}};
  });
  simple("Identity", "Identity");
  simple("Dropout", "Identity");  // eval mode: dropout is the identity
  unary("SiLU", [](ExportContext& ctx, nn::Module&, const std::string& path, const Value& x) {
    const std::string h = hint_of(path, "silu");
    return mul(ctx, x.name, ctx.op("Sigmoid", {x.name}, h + "/sigmoid"), h);
  });
  unary("Mish", [](ExportContext& ctx, nn::Module&, const std::string& path, const Value& x) {
    const std::string h = hint_of(path, "mish");
    // x * tanh(softplus(x)); the Mish operator itself needs opset 18.
    const std::string sp = ctx.op("Softplus", {x.name}, h + "/softplus");
    return mul(ctx, x.name, ctx.op("Tanh", {sp}, h + "/tanh"), h);
  });
  unary("ReLU6", [](ExportContext& ctx, nn::Module&, const std::string& path, const Value& x) {
    const std::string h = hint_of(path, "relu6");
    return ctx.op("Clip",
                  {x.name, ctx.scalar(0.0, x.example.dtype(), h + "/min"),
                   ctx.scalar(6.0, x.example.dtype(), h + "/max")},
                  h);
  });
  unary("Hardtanh", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& ht = as<nn::HardtanhImpl>(m, path);
    const std::string h = hint_of(path, "hardtanh");
    return ctx.op("Clip",
                  {x.name, ctx.scalar(ht.min_val, x.example.dtype(), h + "/min"),
                   ctx.scalar(ht.max_val, x.example.dtype(), h + "/max")},
                  h);
  });
  unary("GELU", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& g = as<nn::GELUImpl>(m, path);
    const std::string h = hint_of(path, "gelu");
    const Dtype dt = x.example.dtype();
    const std::string half = ctx.scalar(0.5, dt, h + "/half"), one = ctx.scalar(1.0, dt, h + "/one");
    std::string inner;
    if (g.approximate == ops::GeluApproximate::Tanh) {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const std::string x3 = ctx.op("Mul", {ctx.op("Mul", {x.name, x.name}, h + "/x2"), x.name}, h + "/x3");
      const std::string poly = ctx.op(
          "Add", {x.name, ctx.op("Mul", {x3, ctx.scalar(0.044715, dt, h + "/c")}, h + "/cx3")}, h + "/poly");
      inner = ctx.op(
          "Tanh",
          {ctx.op("Mul", {poly, ctx.scalar(std::sqrt(2.0 / std::numbers::pi), dt, h + "/k")}, h + "/kp")},
          h + "/tanh");
    } else {
      // 0.5 x (1 + erf(x / sqrt(2)))
      inner =
          ctx.op("Erf", {ctx.op("Div", {x.name, ctx.scalar(std::sqrt(2.0), dt, h + "/sqrt2")}, h + "/xs")},
                 h + "/erf");
    }
    const std::string onep = ctx.op("Add", {inner, one}, h + "/onep");
    return ctx.op("Mul", {ctx.op("Mul", {x.name, half}, h + "/halfx"), onep}, h);
  });
  unary("Softplus", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& s = as<nn::SoftplusImpl>(m, path);
    const std::string h = hint_of(path, "softplus");
    const Dtype dt = x.example.dtype();
    // PyTorch: softplus(beta x) / beta, and x itself where beta x > threshold.
    const std::string bx = ctx.op("Mul", {x.name, ctx.scalar(s.beta, dt, h + "/beta")}, h + "/bx");
    const std::string soft = ctx.op(
        "Div", {ctx.op("Softplus", {bx}, h + "/sp"), ctx.scalar(s.beta, dt, h + "/beta_div")}, h + "/soft");
    const std::string over =
        ctx.op("Greater", {bx, ctx.scalar(s.threshold, dt, h + "/threshold")}, h + "/over");
    return ctx.op("Where", {over, x.name, soft}, h);
  });
  unary("PReLU", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::PReLUImpl>(m, path);
    const std::string h = hint_of(path, "prelu");
    Tensor slope = p.weight.detach();
    if (p.num_parameters > 1) slope = channel_view(slope, x.example.dim());
    return ctx.op("PRelu", {x.name, ctx.initializer(slope, join_path(path, "weight"))}, h);
  });
}

void register_linear_and_shape() {
  unary("Linear", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& l = as<nn::LinearImpl>(m, path);
    const std::string h = hint_of(path, "linear");
    // x W^T + b as MatMul + Add (any rank), W^T stored transposed.
    const std::string wt = ctx.initializer(l.weight.detach().t().contiguous(), join_path(path, "weight_t"));
    const std::string y = ctx.op("MatMul", {x.name, wt}, l.bias.defined() ? h + "/matmul" : h);
    if (!l.bias.defined()) return y;
    return ctx.op("Add", {y, ctx.initializer(l.bias, join_path(path, "bias"))}, h);
  });
  unary("Flatten", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& f = as<nn::FlattenImpl>(m, path);
    const std::string h = hint_of(path, "flatten");
    const int64_t rank = x.example.dim();
    const int64_t start = norm_dim(f.start_dim, rank), end = norm_dim(f.end_dim, rank);
    // ONNX's Flatten(axis) makes [prod(dims < axis), prod(dims >= axis)]: it covers flattening all but the
    // batch dim (axis 1) and flattening the batch with every dim but the last (axis rank - 1), both with a
    // dynamic batch.
    if (start == 1 && end == rank - 1) return ctx.op("Flatten", {x.name}, h, {{"axis", int64_t{1}}});
    if (start == 0 && end == rank - 2) return ctx.op("Flatten", {x.name}, h, {{"axis", rank - 1}});
    // General case: static sizes for every dim but the batch dim 0 (kept by Reshape's 0).
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d) {
      if (d > start && d <= end) {
        dims.back() *= x.example.size(d);
      } else {
        dims.push_back(x.example.size(d));
      }
    }
    STRATA_CHECK(
        start >= 1,
        "onnx::export_model: Flatten '{}' folds the batch dimension into dims up to {} of a rank-{} input, "
        "which a dynamic batch cannot express (only start_dim 0 with end_dim -2 can)",
        path, f.end_dim, rank);
    dims[0] = 0;
    return ctx.reshape(x.name, dims, h);
  });
}

void register_conv() {
  unary("Conv2d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& c = as<nn::Conv2dImpl>(m, path);
    const std::string h = hint_of(path, "conv");
    std::vector<std::string> in{x.name, ctx.initializer(c.weight, join_path(path, "weight"))};
    if (c.bias.defined()) in.push_back(ctx.initializer(c.bias, join_path(path, "bias")));
    const std::vector<int64_t> k{c.kernel_size.h, c.kernel_size.w},
        dil{c.options.dilation.h, c.options.dilation.w};
    return ctx.op("Conv", in, h,
                  {{"kernel_shape", k},
                   {"strides", std::vector<int64_t>{c.options.stride.h, c.options.stride.w}},
                   {"dilations", dil},
                   {"pads", conv_pads(c.options.padding, k, dil)},
                   {"group", c.options.groups}});
  });
  unary("Conv1d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& c = as<nn::Conv1dImpl>(m, path);
    const std::string h = hint_of(path, "conv");
    std::vector<std::string> in{x.name, ctx.initializer(c.weight, join_path(path, "weight"))};
    if (c.bias.defined()) in.push_back(ctx.initializer(c.bias, join_path(path, "bias")));
    const std::vector<int64_t> k{c.weight.size(2)}, dil{c.options.dilation};
    return ctx.op("Conv", in, h,
                  {{"kernel_shape", k},
                   {"strides", std::vector<int64_t>{c.options.stride}},
                   {"dilations", dil},
                   {"pads", conv_pads(c.options.padding, k, dil)},
                   {"group", c.options.groups}});
  });
  unary("ConvTranspose2d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& c = as<nn::ConvTranspose2dImpl>(m, path);
    const std::string h = hint_of(path, "conv_transpose");
    std::vector<std::string> in{x.name, ctx.initializer(c.weight, join_path(path, "weight"))};
    if (c.bias.defined()) in.push_back(ctx.initializer(c.bias, join_path(path, "bias")));
    const auto& o = c.options;
    return ctx.op("ConvTranspose", in, h,
                  {{"kernel_shape", std::vector<int64_t>{c.kernel_size.h, c.kernel_size.w}},
                   {"strides", std::vector<int64_t>{o.stride.h, o.stride.w}},
                   {"dilations", std::vector<int64_t>{o.dilation.h, o.dilation.w}},
                   {"pads", pads2(o.padding.h, o.padding.w)},
                   {"output_padding", std::vector<int64_t>{o.output_padding.h, o.output_padding.w}},
                   {"group", o.groups}});
  });
}

void register_pooling() {
  unary("MaxPool2d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::MaxPool2dImpl>(m, path);
    const ops::Size2 s = p.options.stride.h == 0 ? p.kernel_size : p.options.stride;
    return ctx.op("MaxPool", {x.name}, hint_of(path, "maxpool"),
                  {{"kernel_shape", std::vector<int64_t>{p.kernel_size.h, p.kernel_size.w}},
                   {"strides", std::vector<int64_t>{s.h, s.w}},
                   {"pads", pads2(p.options.padding.h, p.options.padding.w)},
                   {"ceil_mode", int64_t{p.options.ceil_mode}}});
  });
  unary("AvgPool2d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::AvgPool2dImpl>(m, path);
    const ops::Size2 s = p.options.stride.h == 0 ? p.kernel_size : p.options.stride;
    return ctx.op("AveragePool", {x.name}, hint_of(path, "avgpool"),
                  {{"kernel_shape", std::vector<int64_t>{p.kernel_size.h, p.kernel_size.w}},
                   {"strides", std::vector<int64_t>{s.h, s.w}},
                   {"pads", pads2(p.options.padding.h, p.options.padding.w)},
                   {"ceil_mode", int64_t{p.options.ceil_mode}},
                   {"count_include_pad", int64_t{p.options.count_include_pad}}});
  });
  unary("MaxPool1d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::MaxPool1dImpl>(m, path);
    const int64_t s = p.options.stride == 0 ? p.kernel_size : p.options.stride;
    return ctx.op("MaxPool", {x.name}, hint_of(path, "maxpool"),
                  {{"kernel_shape", std::vector<int64_t>{p.kernel_size}},
                   {"strides", std::vector<int64_t>{s}},
                   {"pads", std::vector<int64_t>{p.options.padding, p.options.padding}},
                   {"ceil_mode", int64_t{p.options.ceil_mode}}});
  });
  unary("AvgPool1d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::AvgPool1dImpl>(m, path);
    const int64_t s = p.options.stride == 0 ? p.kernel_size : p.options.stride;
    return ctx.op("AveragePool", {x.name}, hint_of(path, "avgpool"),
                  {{"kernel_shape", std::vector<int64_t>{p.kernel_size}},
                   {"strides", std::vector<int64_t>{s}},
                   {"pads", std::vector<int64_t>{p.options.padding, p.options.padding}},
                   {"ceil_mode", int64_t{p.options.ceil_mode}},
                   {"count_include_pad", int64_t{p.options.count_include_pad}}});
  });
  unary("AdaptiveAvgPool2d", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& p = as<nn::AdaptiveAvgPool2dImpl>(m, path);
    const std::string h = hint_of(path, "adaptive_avgpool");
    const int64_t H = x.example.size(-2), W = x.example.size(-1);
    const int64_t oh = p.output_size.h, ow = p.output_size.w;
    if (oh == 1 && ow == 1) return ctx.op("GlobalAveragePool", {x.name}, h);
    // ONNX has no adaptive pooling: equal windows (input a multiple of the output) are an AveragePool.
    STRATA_CHECK(
        H % oh == 0 && W % ow == 0,
        "onnx::export_model: AdaptiveAvgPool2d '{}' maps {}x{} to {}x{}: ONNX has no adaptive pooling, "
        "so only outputs that divide the input (or 1x1) export",
        path, H, W, oh, ow);
    return ctx.op("AveragePool", {x.name}, h,
                  {{"kernel_shape", std::vector<int64_t>{H / oh, W / ow}},
                   {"strides", std::vector<int64_t>{H / oh, W / ow}}});
  });
}

void register_normalization() {
  auto batch_norm = [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& b = as<nn::BatchNormImpl>(m, path);
    const std::string h = hint_of(path, "batchnorm");
    STRATA_CHECK(
        b.running_mean.defined(),
        "onnx::export_model: {} '{}' keeps no running statistics (track_running_stats=false), so its "
        "eval mode uses batch statistics, which ONNX's BatchNormalization cannot express",
        m.type_name(), path);
    const int64_t c = b.num_features;
    const Tensor w = b.weight.defined() ? b.weight : ones({c}, {.dtype = x.example.dtype()});
    const Tensor bias = b.bias.defined() ? b.bias : zeros({c}, {.dtype = x.example.dtype()});
    return ctx.op("BatchNormalization",
                  {x.name, ctx.initializer(w, join_path(path, "weight")),
                   ctx.initializer(bias, join_path(path, "bias")),
                   ctx.initializer(b.running_mean, join_path(path, "running_mean")),
                   ctx.initializer(b.running_var, join_path(path, "running_var"))},
                  h, {{"epsilon", b.options.eps}});
  };
  unary("BatchNorm1d", batch_norm);
  unary("BatchNorm2d", batch_norm);
  unary("LayerNorm", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& l = as<nn::LayerNormImpl>(m, path);
    const std::string h = hint_of(path, "layernorm");
    const Shape& ns = l.normalized_shape;
    const Tensor w = l.weight.defined() ? l.weight : ones(ns, {.dtype = x.example.dtype()});
    const Tensor b = l.bias.defined() ? l.bias : zeros(ns, {.dtype = x.example.dtype()});
    return ctx.op(
        "LayerNormalization",
        {x.name, ctx.initializer(w, join_path(path, "weight")), ctx.initializer(b, join_path(path, "bias"))},
        h, {{"axis", -static_cast<int64_t>(ns.size())}, {"epsilon", l.eps}});
  });
  unary("RMSNorm", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& l = as<nn::RMSNormImpl>(m, path);
    const std::string h = hint_of(path, "rmsnorm");
    const Dtype dt = x.example.dtype();
    // Opset 17 has no RMSNormalization: x / sqrt(mean(x * x over the normalized dims) + eps) * weight.
    std::vector<int64_t> axes;
    for (int64_t i = -static_cast<int64_t>(l.normalized_shape.size()); i < 0; ++i) axes.push_back(i);
    const std::string mean_sq = ctx.op("ReduceMean", {ctx.op("Mul", {x.name, x.name}, h + "/square")},
                                       h + "/mean_square", {{"axes", axes}, {"keepdims", int64_t{1}}});
    const double eps = l.eps.value_or(ops::machine_epsilon(dt));
    const std::string rms = ctx.op(
        "Sqrt", {ctx.op("Add", {mean_sq, ctx.scalar(eps, dt, h + "/eps")}, h + "/plus_eps")}, h + "/rms");
    if (!l.weight.defined()) return ctx.op("Div", {x.name, rms}, h);
    return ctx.op(
        "Mul",
        {ctx.op("Div", {x.name, rms}, h + "/normed"), ctx.initializer(l.weight, join_path(path, "weight"))},
        h);
  });
  unary("GroupNorm", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& g = as<nn::GroupNormImpl>(m, path);
    const std::string h = hint_of(path, "groupnorm");
    const Dtype dt = x.example.dtype();
    // GroupNormalization is opset 18: [N, C, *] -> [N, G, C/G * prod(*)], InstanceNormalization over the
    // last dim, back to [N, C, *], then the per-channel affine.
    int64_t rest = 1;
    std::vector<int64_t> back{0};
    for (int64_t d = 1; d < x.example.dim(); ++d) {
      if (d >= 2) rest *= x.example.size(d);
      back.push_back(x.example.size(d));
    }
    const int64_t G = g.num_groups;
    const std::string grouped = ctx.reshape(x.name, {0, G, g.num_channels / G * rest}, h + "/grouped");
    const std::string normed = ctx.op("InstanceNormalization",
                                      {grouped, ctx.initializer(ones({G}, {.dtype = dt}), h + "/unit_scale"),
                                       ctx.initializer(zeros({G}, {.dtype = dt}), h + "/zero_bias")},
                                      h + "/instnorm", {{"epsilon", g.eps}});
    std::string y = ctx.reshape(normed, back, g.weight.defined() ? h + "/normed" : h);
    if (!g.weight.defined()) return y;
    const int64_t rank = x.example.dim();
    y = ctx.op("Mul", {y, ctx.initializer(channel_view(g.weight, rank), join_path(path, "weight"))},
               h + "/scaled");
    return ctx.op("Add", {y, ctx.initializer(channel_view(g.bias, rank), join_path(path, "bias"))}, h);
  });
}

void register_embedding_and_upsample() {
  unary("Embedding", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& e = as<nn::EmbeddingImpl>(m, path);
    const auto* masking = dynamic_cast<nn::MaskingEmbeddingImpl*>(&m);
    if (masking != nullptr && e.padding_idx && x.example.dim() == 2 && x.example.dtype() == kInt64) {
      // The lengths the padding-aware layers after it read: one past the last token that is not padding
      // (at least 1), as data::text::sequence_lengths.
      const std::string h = hint_of(path, "embedding") + "/lengths";
      const std::string real = ctx.op(
          "Cast",
          {ctx.op("Not",
                  {ctx.op("Equal", {x.name, ctx.ints({*e.padding_idx}, h + "/pad_id", true)}, h + "/is_pad")},
                  h + "/real_bool")},
          h + "/real", {{"to", static_cast<int64_t>(::onnx::TensorProto::INT64)}});
      const std::string steps =
          ctx.op("Range",
                 {ctx.ints({1}, h + "/one", true),
                  ctx.op("Add", {dim_size(ctx, x.name, 1, h + "/T"), ctx.ints({1}, h + "/one_more", true)},
                         h + "/T_plus_1"),
                  ctx.ints({1}, h + "/step", true)},
                 h + "/positions");
      const std::string last =
          ctx.op("ReduceMax", {ctx.op("Mul", {real, steps}, h + "/real_positions")}, h + "/last",
                 {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
      ctx.sequence_lengths[masking->mask().get()] =
          ctx.op("Max", {last, ctx.ints({1}, h + "/at_least_one", true)}, h);
    }
    return ctx.op("Gather", {ctx.initializer(e.weight, join_path(path, "weight")), x.name},
                  hint_of(path, "embedding"), {{"axis", int64_t{0}}});
  });
  unary("Upsample", [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
    auto& u = as<nn::UpsampleImpl>(m, path);
    const std::string h = hint_of(path, "upsample");
    const auto& o = u.options;
    const int64_t rank = x.example.dim();
    std::string mode = o.mode == ops::InterpolateMode::Nearest ? "nearest" : "linear";
    std::string ctm = o.mode == ops::InterpolateMode::Nearest ? "asymmetric"
                      : o.align_corners.value_or(false)       ? "align_corners"
                                                              : "pytorch_half_pixel";
    // Output sizes from the example (a scale factor gives floor(in * scale), as strata computes), batch and
    // channels taken from the input's shape at run time.
    const Tensor y = m.forward(x.example);
    std::vector<int64_t> spatial;
    for (int64_t d = 2; d < rank; ++d) spatial.push_back(y.size(d));
    const std::string nc =
        ctx.op("Slice",
               {ctx.op("Shape", {x.name}, h + "/shape"), ctx.ints({0}, h + "/s0"), ctx.ints({2}, h + "/s2")},
               h + "/nc");
    const std::string sizes =
        ctx.op("Concat", {nc, ctx.ints(spatial, h + "/spatial")}, h + "/sizes", {{"axis", int64_t{0}}});
    std::vector<Attr> attrs{{"mode", mode}, {"coordinate_transformation_mode", ctm}};
    if (mode == "nearest") attrs.emplace_back("nearest_mode", "floor");
    return ctx.op("Resize", {x.name, "", "", sizes}, h, std::move(attrs));
  });
}

// The padding-aware pools over time: the mean or maximum over the real steps of [B, T, F] (all steps when
// the model's embedding records no lengths).
void register_sequence_pools() {
  for (const std::string type : {"GlobalAvgPool1d", "GlobalMaxPool1d"}) {
    unary(type, [](ExportContext& ctx, nn::Module& m, const std::string& path, const Value& x) {
      auto& p = as<nn::GlobalPool1dImpl>(m, path);
      const bool avg = p.kind() == nn::GlobalPool1dImpl::Kind::Avg;
      const std::string h = hint_of(path, avg ? "global_avg_pool1d" : "global_max_pool1d");
      STRATA_CHECK(x.example.dim() == 3,
                   "onnx::export_model: {} '{}' exports for [batch, steps, features], got {}", m.type_name(),
                   path, x.example.shape().str());
      auto it = ctx.sequence_lengths.find(p.mask().get());
      if (it == ctx.sequence_lengths.end()) {
        return ctx.op(avg ? "ReduceMean" : "ReduceMax", {x.name}, h,
                      {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
      }
      const Dtype dt = x.example.dtype();
      const std::string steps = ctx.op("Range",
                                       {ctx.ints({0}, h + "/zero", true), dim_size(ctx, x.name, 1, h + "/T"),
                                        ctx.ints({1}, h + "/one", true)},
                                       h + "/steps");
      const std::string padding =
          ctx.op("Unsqueeze",
                 {ctx.op("GreaterOrEqual",
                         {ctx.op("Unsqueeze", {steps, ctx.ints({0}, h + "/axis0")}, h + "/steps_row"),
                          ctx.op("Unsqueeze", {it->second, ctx.ints({1}, h + "/axis1")}, h + "/lengths_col")},
                         h + "/padding_2d"),
                  ctx.ints({2}, h + "/axis2")},
                 h + "/padding");
      const std::string filled =
          ctx.op("Where",
                 {padding, ctx.scalar(avg ? 0.0 : -std::numeric_limits<double>::infinity(), dt, h + "/fill"),
                  x.name},
                 h + "/masked");
      if (!avg) {
        return ctx.op("ReduceMax", {filled}, h,
                      {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}});
      }
      const std::string sum = ctx.op("ReduceSum", {filled, ctx.ints({1}, h + "/sum_axis")}, h + "/sum",
                                     {{"keepdims", int64_t{0}}});
      const std::string count = ctx.op("Unsqueeze",
                                       {ctx.op("Cast", {it->second}, h + "/lengths_float",
                                               {{"to", static_cast<int64_t>(to_onnx_dtype(dt))}}),
                                        ctx.ints({1}, h + "/count_axis")},
                                       h + "/count");
      return ctx.op("Div", {sum, count}, h);
    });
  }
}

// Merges: several inputs, one output.
void register_merges() {
  auto merge = [](const std::string& type, const std::string& op) {
    register_exporter(type,
                      [op](ExportContext& ctx, nn::Module& m, const std::string& path,
                           const std::vector<Value>& inputs) -> std::vector<Value> {
                        std::vector<Tensor> examples;
                        std::vector<std::string> names;
                        for (const auto& v : inputs) {
                          examples.push_back(v.example);
                          names.push_back(v.name);
                        }
                        Tensor y = as<nn::MergeImpl>(m, path).forward(examples);
                        const std::string h = hint_of(path, op);
                        if (op == "Concat") {
                          const int64_t dim =
                              norm_dim(as<nn::ConcatImpl>(m, path).dim, inputs[0].example.dim());
                          return {{ctx.op("Concat", names, h, {{"axis", dim}}), y}};
                        }
                        // Add and Mul are binary in ONNX before opset... Sum exists, but a chain is simplest.
                        std::string acc = names[0];
                        for (size_t i = 1; i < names.size(); ++i)
                          acc = ctx.op(op, {acc, names[i]}, i + 1 == names.size() ? h : h + "/partial");
                        return {{acc, y}};
                      });
  };
  merge("Add", "Add");
  merge("Mul", "Mul");
  merge("Concat", "Concat");
}

void register_containers() {
  register_exporter("Sequential",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& inputs) -> std::vector<Value> {
                      std::vector<Value> cur = inputs;
                      for (const auto& [name, child] : m.named_children())
                        cur = ctx.export_module(*child, join_path(path, name), cur);
                      return cur;
                    });
  register_exporter("Graph",
                    [](ExportContext& ctx, nn::Module& m, const std::string& path,
                       const std::vector<Value>& inputs) -> std::vector<Value> {
                      auto& g = as<nn::GraphImpl>(m, path);
                      const Value& x = single(inputs, path, m);
                      std::map<std::string, Value> values{{nn::GraphImpl::kInput, x}};
                      for (const std::string& name : g.node_names()) {
                        std::vector<Value> in;
                        for (const std::string& i : g.inputs_of(name)) in.push_back(values.at(i));
                        values[name] =
                            ctx.export_module(child_of(m, name, path), join_path(path, name), in)[0];
                      }
                      return {values.at(g.output())};
                    });
}

}  // namespace

void register_layer_exporters() {
  register_activations();
  register_linear_and_shape();
  register_conv();
  register_pooling();
  register_normalization();
  register_embedding_and_upsample();
  register_merges();
  register_containers();
  register_sequence_pools();
}

}  // namespace strata::onnx
