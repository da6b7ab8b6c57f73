// The layer registry: arguments by name with defaults, inference from the input, typed parsing with clear
// errors, positional and shorthand forms, and registering one's own layer.
#include "strata/nn/layer_registry.h"

#include <tuple>

#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "test_util.h"

namespace strata::nn {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(LayerRegistry, CreatesLayersWithDefaultsAndInference) {
  const LayerRegistry& r = layer_registry();
  auto conv = std::dynamic_pointer_cast<Conv2dImpl>(
      r.create("conv2d", {{"out", 8}, {"kernel", ArgValue({3, 5})}, {"padding", "same"}}, {1, 3, 9, 9}));
  ASSERT_TRUE(conv);
  EXPECT_EQ(conv->in_channels, 3);
  EXPECT_EQ(conv->kernel_size, ops::Size2(3, 5));
  EXPECT_TRUE(conv->options.padding.same);
  EXPECT_TRUE(conv->bias.defined());
  auto fc = std::dynamic_pointer_cast<LinearImpl>(r.create("linear", {{"out", 2}, {"bias", false}}, {4, 7}));
  ASSERT_TRUE(fc);
  EXPECT_EQ(fc->in_features, 7);
  EXPECT_FALSE(fc->bias.defined());
  auto bn =
      std::dynamic_pointer_cast<BatchNorm2dImpl>(r.create("batchnorm2d", {{"eps", 0.001}}, {2, 6, 3, 3}));
  ASSERT_TRUE(bn);
  EXPECT_EQ(bn->num_features, 6);
  EXPECT_DOUBLE_EQ(bn->options.eps, 0.001);
  // Given values win over inference.
  auto given = std::dynamic_pointer_cast<LinearImpl>(r.create("linear", {{"in", 5}, {"out", 2}}, {4, 7}));
  EXPECT_EQ(given->in_features, 5);
}

TEST(LayerRegistry, PositionalShorthandAndVariables) {
  const LayerRegistry& r = layer_registry();
  EXPECT_EQ(r.by_position("linear", {ArgValue(4), ArgValue(2)}).at("out").str(), "2");
  EXPECT_EQ(r.shorthand("linear", ArgValue(10)).count("out"), 1u);           // `in` can be inferred
  EXPECT_EQ(r.shorthand("batchnorm2d", ArgValue(6)).count("features"), 1u);  // nothing required: the first
  EXPECT_EQ(r.shorthand("dropout", ArgValue(0.5)).count("p"), 1u);
  auto fc = std::dynamic_pointer_cast<LinearImpl>(
      r.create("linear", {{"in", "$width"}, {"out", "vocab_size"}}, {}, {{"width", 3}, {"vocab_size", 11}}));
  EXPECT_EQ(fc->in_features, 3);
  EXPECT_EQ(fc->out_features, 11);
  EXPECT_NE(error_of([&] { r.by_position("relu", {ArgValue(1)}); }).find("takes at most 0 arguments"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.shorthand("relu", ArgValue(1)); }).find("takes no arguments"),
            std::string::npos);
}

TEST(LayerRegistry, ErrorsNameLayerArgumentAndValue) {
  const LayerRegistry& r = layer_registry();
  auto err = [&](const std::string& layer, const ArgMap& args, const Shape& in = {1, 3, 8, 8}) {
    return error_of([&] { r.create(layer, args, in); });
  };
  EXPECT_NE(err("conv2d", {{"out", 4}}).find("layer 'conv2d' needs argument 'kernel'"), std::string::npos);
  EXPECT_NE(err("conv2d", {{"out", 4}, {"kernel", "x"}})
                .find("argument 'kernel' must be an integer or [h, w], got 'x'"),
            std::string::npos);
  EXPECT_NE(err("conv2d", {{"out", 4}, {"kernel", ArgValue({1, 2, 3})}}).find("got '[1, 2, 3]'"),
            std::string::npos);
  EXPECT_NE(err("conv2d", {{"out", 4}, {"kernel", 3}, {"padding", "full"}}).find("'same' or 'valid'"),
            std::string::npos);
  EXPECT_NE(err("linear", {{"out", 2}, {"bias", "yes"}}).find("argument 'bias' must be a boolean"),
            std::string::npos);
  EXPECT_NE(err("dropout", {{"p", "half"}}).find("argument 'p' must be a number, got 'half'"),
            std::string::npos);
  EXPECT_NE(err("gelu", {{"approximate", "fast"}}).find("must be 'none' or 'tanh', got 'fast'"),
            std::string::npos);
  EXPECT_NE(err("linear", {{"out", 2}}, {}).find("the input is unknown"), std::string::npos);
  EXPECT_NE(err("linear", {{"out", "$w"}}).find("refers to $w, which is not defined here"),
            std::string::npos);
  EXPECT_NE(err("conv3x3", {}).find("unknown layer 'conv3x3'"), std::string::npos);
  // A layer's own check (groups must divide the channels) is reported with the layer's name.
  EXPECT_NE(err("conv2d", {{"out", 4}, {"kernel", 3}, {"groups", 2}}, {1, 3, 8, 8}).find("layer 'conv2d':"),
            std::string::npos);
}

TEST(LayerRegistry, ApplicationsAddTheirOwnLayers) {
  LayerRegistry r = layer_registry();
  r.add({"scaled_linear",
         "a linear layer without bias",
         {{.name = "in",
           .kind = ArgKind::Int,
           .infer = [](const Shape& s) { return std::optional<int64_t>(s.back()); }},
          {.name = "out", .kind = ArgKind::Int}},
         [](const LayerArgs& a) -> std::shared_ptr<Module> {
           return Linear(a.integer("in"), a.integer("out"), false);
         }});
  auto fc = std::dynamic_pointer_cast<LinearImpl>(r.create("scaled_linear", {{"out", 3}}, {2, 4}));
  ASSERT_TRUE(fc);
  EXPECT_EQ(fc->in_features, 4);
  EXPECT_FALSE(layer_registry().find("scaled_linear"));
  const auto names = layer_registry().names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n : {"linear", "conv2d", "batchnorm2d", "add", "concat", "mul", "relu"}) {
    EXPECT_TRUE(layer_registry().find(n)) << n;
  }
}

TEST(LayerRegistry, TransformerLayers) {
  const auto& r = layer_registry();
  const Shape in{2, 5, 8};
  const Tensor x = randn(in);
  for (const auto& [name, args, type] : std::vector<std::tuple<std::string, ArgMap, std::string>>{
           {"multihead_attention", {{"num_heads", 2}}, "MultiheadAttention"},
           {"transformer_encoder_layer", {{"nhead", 2}, {"dim_feedforward", 16}}, "TransformerEncoderLayer"},
           {"transformer_encoder", {{"nhead", 4}, {"num_layers", 2}, {"norm", true}}, "TransformerEncoder"},
           {"rms_norm", {}, "RMSNorm"},
           {"positional_encoding", {}, "SinusoidalPositionalEncoding"},
           {"positional_encoding", {{"kind", "learned"}, {"max_len", 10}}, "LearnedPositionalEncoding"}}) {
    const auto layer = r.create(name, args, in);
    EXPECT_EQ(layer->type_name(), type) << name;
    EXPECT_EQ((*layer)(x).shape(), in) << name;  // batch first, shape kept
  }
  const auto encoder = r.create("transformer_encoder", {{"nhead", 4}, {"num_layers", 2}, {"norm", true}}, in);
  const auto state = encoder->state_dict();
  EXPECT_TRUE(state.count("layers.1.self_attn.in_proj_weight"));
  EXPECT_TRUE(state.count("norm.weight"));
  EXPECT_EQ(state.at("layers.0.linear1.weight").shape(), (Shape{2048, 8}));  // PyTorch's default
  EXPECT_EQ(r.shorthand("multihead_attention", 4).at("num_heads").str(), "4");
  const std::string bad = error_of([&] { r.create("positional_encoding", {{"kind", "rotary"}}, in); });
  EXPECT_NE(bad.find("positional_encoding"), std::string::npos) << bad;
  EXPECT_NE(bad.find("rotary"), std::string::npos) << bad;
  EXPECT_NE(error_of([&] {
              r.create("transformer_encoder_layer", {{"nhead", 3}}, in);
            }).find("divisible"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::nn
