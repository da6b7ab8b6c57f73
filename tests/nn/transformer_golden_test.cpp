// The Transformer family against PyTorch 1.13 (tests/fixtures/transformer.safetensors,
// scripts/gen_fixtures_transformer.py): encoder and decoder layers in both norm orders with ReLU and GELU and
// every mask, stacks with a final norm, and a small nn.Transformer; outputs and every parameter gradient,
// with PyTorch's state dicts loaded unchanged (strict).
#include "golden_util.h"
#include "strata/nn/transformer.h"

namespace strata::nn {
namespace {

using golden::Case;
using golden::GoldenCase;

constexpr int64_t kModel = 8, kHeads = 2, kFeedForward = 16;

TransformerLayerOptions layer_options(bool norm_first, const std::string& activation,
                                      bool batch_first = false) {
  return {.dim_feedforward = kFeedForward,
          .activation = activation,
          .batch_first = batch_first,
          .norm_first = norm_first};
}

// The fixture's mask `name`, or undefined when the case has none.
Tensor mask(Case& c, const std::string& name) { return c.contains(name) ? c.in(name) : Tensor(); }

GoldenCase encoder_layer(const std::string& name, bool norm_first, const std::string& activation,
                         bool batch_first = false) {
  return {name, [=](Case& c) {
            TransformerEncoderLayer layer(kModel, kHeads, layer_options(norm_first, activation, batch_first));
            layer->eval();
            c.load_parameters(*layer);
            return layer->forward(c.in("src"), {.src_mask = mask(c, "src_mask"),
                                                .src_key_padding_mask = mask(c, "src_key_padding_mask")});
          }};
}

// Decoder cases run causal self-attention (PyTorch was given the causal float mask).
DecoderMasks decoder_masks(Case& c) {
  return {.memory_mask = mask(c, "memory_mask"),
          .tgt_key_padding_mask = mask(c, "tgt_key_padding_mask"),
          .memory_key_padding_mask = mask(c, "memory_key_padding_mask"),
          .tgt_is_causal = true};
}

GoldenCase decoder_layer(const std::string& name, bool norm_first, const std::string& activation) {
  return {name, [=](Case& c) {
            TransformerDecoderLayer layer(kModel, kHeads, layer_options(norm_first, activation));
            layer->eval();
            c.load_parameters(*layer);
            return layer->forward(c.in("tgt"), c.in("memory"), decoder_masks(c));
          }};
}

Tensor run_transformer(Case& c) {
  Transformer model(TransformerOptions{.d_model = kModel,
                                       .nhead = kHeads,
                                       .num_encoder_layers = 2,
                                       .num_decoder_layers = 2,
                                       .dim_feedforward = kFeedForward});
  model->eval();
  c.load_parameters(*model);
  return model->forward(c.in("src"), c.in("tgt"),
                        {.src_key_padding_mask = c.in("src_key_padding_mask"),
                         .tgt_key_padding_mask = c.in("tgt_key_padding_mask"),
                         .memory_key_padding_mask = c.in("memory_key_padding_mask"),
                         .tgt_is_causal = true});
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      encoder_layer("encoder_layer_post_relu", false, "relu"),
      encoder_layer("encoder_layer_post_relu_f32", false, "relu"),
      encoder_layer("encoder_layer_post_gelu", false, "gelu"),
      encoder_layer("encoder_layer_pre_relu", true, "relu"),
      encoder_layer("encoder_layer_pre_gelu", true, "gelu"),
      encoder_layer("encoder_layer_batch_first", true, "gelu", true),
      decoder_layer("decoder_layer_post_relu", false, "relu"),
      decoder_layer("decoder_layer_post_relu_f32", false, "relu"),
      decoder_layer("decoder_layer_post_gelu", false, "gelu"),
      decoder_layer("decoder_layer_pre_relu", true, "relu"),
      decoder_layer("decoder_layer_pre_gelu", true, "gelu"),
      {"encoder_2_norm",
       [](Case& c) {
         TransformerEncoder encoder(TransformerEncoderLayer(kModel, kHeads, layer_options(false, "relu")), 2,
                                    LayerNorm(Shape{kModel}));
         encoder->eval();
         c.load_parameters(*encoder);
         return encoder->forward(c.in("src"), {.src_key_padding_mask = c.in("src_key_padding_mask")});
       }},
      {"decoder_2_causal",
       [](Case& c) {
         TransformerDecoder decoder(TransformerDecoderLayer(kModel, kHeads, layer_options(true, "relu")), 2,
                                    LayerNorm(Shape{kModel}));
         decoder->eval();
         c.load_parameters(*decoder);
         return decoder->forward(c.in("tgt"), c.in("memory"), decoder_masks(c));
       }},
      {"transformer", run_transformer},
      {"transformer_f32", run_transformer},
  };
  return all;
}

STRATA_GOLDEN_TESTS(TransformerGolden, "transformer.safetensors", cases);

}  // namespace
}  // namespace strata::nn
