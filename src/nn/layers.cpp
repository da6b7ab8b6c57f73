// strata's layers in the registry, each argument declared once: its name (the short names configs have
// always used: in, out, kernel), kind, default, and how it follows from the input's shape.
#include "strata/nn/activation.h"
#include "strata/nn/attention.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/dropout.h"
#include "strata/nn/embedding.h"
#include "strata/nn/layer_registry.h"
#include "strata/nn/linear.h"
#include "strata/nn/merge.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/nn/positional.h"
#include "strata/nn/transformer.h"
#include "strata/nn/upsample.h"

namespace strata::nn {
namespace {

using S = std::shared_ptr<Module>;

// Inference rules: which dimension of the input an argument equals.
std::optional<int64_t> channels(const Shape& s) {
  if (s.size() < 2) return std::nullopt;
  return s[1];
}
std::optional<int64_t> last_dim(const Shape& s) {
  if (s.empty()) return std::nullopt;
  return s.back();
}

ArgSpec inferred(std::string name, std::function<std::optional<int64_t>(const Shape&)> rule) {
  return {.name = std::move(name), .kind = ArgKind::Int, .infer = std::move(rule)};
}
ArgSpec required(std::string name, ArgKind kind = ArgKind::Int) {
  return {.name = std::move(name), .kind = kind};
}
ArgSpec optional(std::string name, ArgKind kind, ArgValue fallback, std::vector<std::string> choices = {}) {
  return {
      .name = std::move(name), .kind = kind, .fallback = std::move(fallback), .choices = std::move(choices)};
}

LayerType activation(std::string name, std::string description, std::function<S()> make) {
  return {std::move(name), std::move(description), {}, [make = std::move(make)](const LayerArgs&) {
            return make();
          }};
}

LayerRegistry make_registry() {
  LayerRegistry r;
  // ---- dense, convolution, pooling --------------------------------------------------------------
  r.add(
      {"linear",
       "y = x W^T + b over the last dimension",
       {inferred("in", last_dim), required("out"), optional("bias", ArgKind::Bool, true)},
       [](const LayerArgs& a) -> S { return Linear(a.integer("in"), a.integer("out"), a.boolean("bias")); }});
  r.add({"conv2d",
         "2-D convolution over [N, C, H, W]",
         {inferred("in", channels), required("out"), required("kernel", ArgKind::Size2),
          optional("stride", ArgKind::Size2, 1), optional("padding", ArgKind::Padding, 0),
          optional("dilation", ArgKind::Size2, 1), optional("groups", ArgKind::Int, 1),
          optional("bias", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return Conv2d(a.integer("in"), a.integer("out"), a.size2("kernel"),
                         {.stride = a.size2("stride"),
                          .padding = a.padding("padding"),
                          .dilation = a.size2("dilation"),
                          .groups = a.integer("groups"),
                          .bias = a.boolean("bias")});
         }});
  r.add({"conv1d",
         "1-D convolution over [N, C, L]",
         {inferred("in", channels), required("out"), required("kernel"), optional("stride", ArgKind::Int, 1),
          optional("padding", ArgKind::Padding, 0), optional("dilation", ArgKind::Int, 1),
          optional("groups", ArgKind::Int, 1), optional("bias", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return Conv1d(a.integer("in"), a.integer("out"), a.integer("kernel"),
                         {.stride = a.integer("stride"),
                          .padding = a.padding("padding"),
                          .dilation = a.integer("dilation"),
                          .groups = a.integer("groups"),
                          .bias = a.boolean("bias")});
         }});
  r.add({"conv_transpose2d",
         "2-D transposed convolution (upsampling) over [N, C, H, W]",
         {inferred("in", channels), required("out"), required("kernel", ArgKind::Size2),
          optional("stride", ArgKind::Size2, 1), optional("padding", ArgKind::Size2, 0),
          optional("output_padding", ArgKind::Size2, 0), optional("groups", ArgKind::Int, 1),
          optional("bias", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return ConvTranspose2d(a.integer("in"), a.integer("out"), a.size2("kernel"),
                                  {.stride = a.size2("stride"),
                                   .padding = a.size2("padding"),
                                   .output_padding = a.size2("output_padding"),
                                   .groups = a.integer("groups"),
                                   .bias = a.boolean("bias")});
         }});
  r.add({"maxpool2d",
         "2-D max pooling (stride 0: the kernel size)",
         {required("kernel", ArgKind::Size2), optional("stride", ArgKind::Size2, 0),
          optional("padding", ArgKind::Size2, 0), optional("ceil_mode", ArgKind::Bool, false)},
         [](const LayerArgs& a) -> S {
           return MaxPool2d(a.size2("kernel"), {.stride = a.size2("stride"),
                                                .padding = a.size2("padding"),
                                                .ceil_mode = a.boolean("ceil_mode")});
         }});
  r.add({"avgpool2d",
         "2-D average pooling (stride 0: the kernel size)",
         {required("kernel", ArgKind::Size2), optional("stride", ArgKind::Size2, 0),
          optional("padding", ArgKind::Size2, 0), optional("ceil_mode", ArgKind::Bool, false),
          optional("count_include_pad", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return AvgPool2d(a.size2("kernel"), {.stride = a.size2("stride"),
                                                .padding = a.size2("padding"),
                                                .ceil_mode = a.boolean("ceil_mode"),
                                                .count_include_pad = a.boolean("count_include_pad")});
         }});
  r.add({"maxpool1d",
         "1-D max pooling over [N, C, L] (stride 0: the kernel size)",
         {required("kernel"), optional("stride", ArgKind::Int, 0), optional("padding", ArgKind::Int, 0),
          optional("ceil_mode", ArgKind::Bool, false)},
         [](const LayerArgs& a) -> S {
           return MaxPool1d(a.integer("kernel"), {.stride = a.integer("stride"),
                                                  .padding = a.integer("padding"),
                                                  .ceil_mode = a.boolean("ceil_mode")});
         }});
  r.add({"avgpool1d",
         "1-D average pooling over [N, C, L] (stride 0: the kernel size)",
         {required("kernel"), optional("stride", ArgKind::Int, 0), optional("padding", ArgKind::Int, 0),
          optional("ceil_mode", ArgKind::Bool, false), optional("count_include_pad", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return AvgPool1d(a.integer("kernel"), {.stride = a.integer("stride"),
                                                  .padding = a.integer("padding"),
                                                  .ceil_mode = a.boolean("ceil_mode"),
                                                  .count_include_pad = a.boolean("count_include_pad")});
         }});
  r.add({"upsample",
         "resizes [N, C, L] or [N, C, H, W] by a scale or to a size (nearest, linear, bilinear)",
         {optional("scale", ArgKind::Float, 0.0), optional("size", ArgKind::Ints, 0),
          optional("mode", ArgKind::String, "nearest", {"nearest", "linear", "bilinear"}),
          optional("align_corners", ArgKind::Bool, false)},
         [](const LayerArgs& a) -> S {
           // 0 leaves scale or size out, so that exactly one of them is written.
           UpsampleOptions o{.size = {},
                             .scale_factor = {},
                             .mode = ops::interpolate_mode_from_name(a.text("mode")),
                             .align_corners = {}};
           if (a.number("scale") != 0.0) o.scale_factor = {a.number("scale")};
           if (const std::vector<int64_t> size = a.integers("size"); size != std::vector<int64_t>{0})
             o.size = size;
           if (o.mode != ops::InterpolateMode::Nearest) o.align_corners = a.boolean("align_corners");
           return Upsample(std::move(o));
         }});
  r.add({"adaptive_avgpool2d",
         "average pooling to a fixed output size (1: global average pooling)",
         {optional("size", ArgKind::Size2, 1)},
         [](const LayerArgs& a) -> S { return AdaptiveAvgPool2d(a.size2("size")); }});
  // ---- normalisation, regularisation, reshaping ---------------------------------------------------
  r.add({"batchnorm1d",
         "batch norm over [N, C] or [N, C, L]",
         {inferred("features", channels), optional("eps", ArgKind::Float, 1e-5),
          optional("momentum", ArgKind::Float, 0.1)},
         [](const LayerArgs& a) -> S {
           return BatchNorm1d(a.integer("features"),
                              {.eps = a.number("eps"), .momentum = a.number("momentum")});
         }});
  r.add({"batchnorm2d",
         "batch norm over [N, C, H, W]",
         {inferred("features", channels), optional("eps", ArgKind::Float, 1e-5),
          optional("momentum", ArgKind::Float, 0.1)},
         [](const LayerArgs& a) -> S {
           return BatchNorm2d(a.integer("features"),
                              {.eps = a.number("eps"), .momentum = a.number("momentum")});
         }});
  r.add({"layernorm",
         "layer norm over the last dimension",
         {inferred("shape", last_dim), optional("eps", ArgKind::Float, 1e-5)},
         [](const LayerArgs& a) -> S { return LayerNorm(Shape{a.integer("shape")}, a.number("eps")); }});
  r.add({"groupnorm",
         "group norm over [N, C, ...]",
         {required("groups"), inferred("channels", channels), optional("eps", ArgKind::Float, 1e-5)},
         [](const LayerArgs& a) -> S {
           return GroupNorm(a.integer("groups"), a.integer("channels"), a.number("eps"));
         }});
  r.add({"dropout",
         "zeroes each element with probability p while training",
         {optional("p", ArgKind::Float, 0.5)},
         [](const LayerArgs& a) -> S { return Dropout(a.number("p")); }});
  r.add({"flatten",
         "merges dimensions start..end into one",
         {optional("start", ArgKind::Int, 1), optional("end", ArgKind::Int, -1)},
         [](const LayerArgs& a) -> S { return Flatten(a.integer("start"), a.integer("end")); }});
  r.add(activation("identity", "passes its input through", [] { return S(Identity()); }));
  r.add(
      {"embedding",
       "a lookup table from token ids to vectors",
       {required("num_embeddings"), required("embedding_dim"), optional("padding_idx", ArgKind::Int, "none")},
       [](const LayerArgs& a) -> S {
         return Embedding(a.integer("num_embeddings"), a.integer("embedding_dim"),
                          a.optional_integer("padding_idx"));
       }});
  r.add({"rms_norm",
         "x * rsqrt(mean(x^2) + eps) * weight over the last dimension (eps: none = the dtype's epsilon)",
         {inferred("shape", last_dim), optional("eps", ArgKind::Float, "none"),
          optional("elementwise_affine", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return RMSNorm(Shape{a.integer("shape")}, a.optional_number("eps"),
                          a.boolean("elementwise_affine"));
         }});
  // ---- attention ----------------------------------------------------------------------------------
  r.add({"positional_encoding",
         "adds a position encoding to [B, T, d_model]: fixed sinusoids or a learned table",
         {optional("kind", ArgKind::String, "sinusoidal", {"sinusoidal", "learned"}),
          optional("max_len", ArgKind::Int, 5000), inferred("d_model", last_dim)},
         [](const LayerArgs& a) -> S {
           if (a.text("kind") == "learned")
             return LearnedPositionalEncoding(a.integer("max_len"), a.integer("d_model"));
           return SinusoidalPositionalEncoding(a.integer("d_model"), a.integer("max_len"));
         }});
  r.add({"multihead_attention",
         "multi-head self-attention over [B, T, embed_dim]",
         {required("num_heads"), inferred("embed_dim", last_dim), optional("dropout", ArgKind::Float, 0.0),
          optional("bias", ArgKind::Bool, true)},
         [](const LayerArgs& a) -> S {
           return MultiheadAttention(
               a.integer("embed_dim"), a.integer("num_heads"),
               {.dropout = a.number("dropout"), .bias = a.boolean("bias"), .batch_first = true});
         }});
  const auto encoder_args = [](bool stack) {
    std::vector<ArgSpec> args{required("nhead"), inferred("d_model", last_dim)};
    if (stack) args.push_back(required("num_layers"));
    for (ArgSpec spec :
         {optional("dim_feedforward", ArgKind::Int, 2048), optional("dropout", ArgKind::Float, 0.1),
          optional("activation", ArgKind::String, "relu", {"relu", "gelu"}),
          optional("layer_norm_eps", ArgKind::Float, 1e-5), optional("norm_first", ArgKind::Bool, false),
          optional("bias", ArgKind::Bool, true)})
      args.push_back(std::move(spec));
    if (stack) args.push_back(optional("norm", ArgKind::Bool, false));
    return args;
  };
  const auto encoder_options = [](const LayerArgs& a) {
    return TransformerLayerOptions{.dim_feedforward = a.integer("dim_feedforward"),
                                   .dropout = a.number("dropout"),
                                   .activation = a.text("activation"),
                                   .layer_norm_eps = a.number("layer_norm_eps"),
                                   .batch_first = true,
                                   .norm_first = a.boolean("norm_first"),
                                   .bias = a.boolean("bias")};
  };
  r.add({"transformer_encoder_layer",
         "self-attention and feed-forward blocks with residuals and layer norms over [B, T, d_model]",
         encoder_args(false), [encoder_options](const LayerArgs& a) -> S {
           return TransformerEncoderLayer(a.integer("d_model"), a.integer("nhead"), encoder_options(a));
         }});
  r.add({"transformer_encoder",
         "num_layers transformer encoder layers over [B, T, d_model] (norm: a final LayerNorm)",
         encoder_args(true), [encoder_options](const LayerArgs& a) -> S {
           const TransformerLayerOptions o = encoder_options(a);
           std::shared_ptr<Module> norm;
           if (a.boolean("norm"))
             norm = LayerNorm(Shape{a.integer("d_model")}, o.layer_norm_eps, true, o.bias);
           return TransformerEncoder(TransformerEncoderLayer(a.integer("d_model"), a.integer("nhead"), o),
                                     a.integer("num_layers"), norm);
         }});
  // ---- activations ------------------------------------------------------------------------------
  r.add(activation("relu", "max(x, 0)", [] { return S(ReLU()); }));
  r.add({"leaky_relu",
         "x for x > 0, slope * x otherwise",
         {optional("slope", ArgKind::Float, 0.01)},
         [](const LayerArgs& a) -> S { return LeakyReLU(a.number("slope")); }});
  r.add({"elu",
         "x for x > 0, alpha * (exp(x) - 1) otherwise",
         {optional("alpha", ArgKind::Float, 1.0)},
         [](const LayerArgs& a) -> S { return ELU(a.number("alpha")); }});
  r.add(activation("selu", "scaled ELU (self-normalising)", [] { return S(SELU()); }));
  r.add({"gelu",
         "x * Phi(x), exact or with the tanh approximation",
         {optional("approximate", ArgKind::String, "none", {"none", "tanh"})},
         [](const LayerArgs& a) -> S {
           return GELU(a.text("approximate") == "tanh" ? ops::GeluApproximate::Tanh
                                                       : ops::GeluApproximate::None);
         }});
  r.add(activation("sigmoid", "1 / (1 + exp(-x))", [] { return S(Sigmoid()); }));
  r.add(activation("tanh", "hyperbolic tangent", [] { return S(Tanh()); }));
  r.add(activation("silu", "x * sigmoid(x) (swish)", [] { return S(SiLU()); }));
  r.add({"softplus",
         "log(1 + exp(beta x)) / beta",
         {optional("beta", ArgKind::Float, 1.0), optional("threshold", ArgKind::Float, 20.0)},
         [](const LayerArgs& a) -> S { return Softplus(a.number("beta"), a.number("threshold")); }});
  r.add(activation("relu6", "min(max(x, 0), 6) (MobileNet's activation)", [] { return S(ReLU6()); }));
  r.add({"hardtanh",
         "x clamped to [min, max]",
         {optional("min", ArgKind::Float, -1.0), optional("max", ArgKind::Float, 1.0)},
         [](const LayerArgs& a) -> S { return Hardtanh(a.number("min"), a.number("max")); }});
  r.add({"prelu",
         "x for x > 0, a learned slope * x otherwise (one slope, or one per channel)",
         {optional("num_parameters", ArgKind::Int, 1), optional("init", ArgKind::Float, 0.25)},
         [](const LayerArgs& a) -> S { return PReLU(a.integer("num_parameters"), a.number("init")); }});
  r.add(activation("mish", "x * tanh(softplus(x))", [] { return S(Mish()); }));
  r.add(activation("hardsigmoid", "piecewise-linear sigmoid", [] { return S(Hardsigmoid()); }));
  r.add(activation("hardswish", "x * hardsigmoid(x)", [] { return S(Hardswish()); }));
  r.add({"softmax",
         "exp(x) normalised over a dimension",
         {optional("dim", ArgKind::Int, -1)},
         [](const LayerArgs& a) -> S { return Softmax(a.integer("dim")); }});
  r.add({"log_softmax",
         "log of softmax over a dimension",
         {optional("dim", ArgKind::Int, -1)},
         [](const LayerArgs& a) -> S { return LogSoftmax(a.integer("dim")); }});
  // ---- merges (graph nodes with several inputs) ------------------------------------------------
  r.add(activation("add", "the sum of its inputs (equal shapes)", [] { return S(Add()); }));
  r.add(activation("mul", "the product of its inputs (equal shapes)", [] { return S(Mul()); }));
  r.add({"concat",
         "its inputs joined along a dimension",
         {optional("dim", ArgKind::Int, 1)},
         [](const LayerArgs& a) -> S { return Concat(a.integer("dim")); }});
  return r;
}

}  // namespace

const LayerRegistry& layer_registry() {
  static const LayerRegistry registry = make_registry();
  return registry;
}

}  // namespace strata::nn
