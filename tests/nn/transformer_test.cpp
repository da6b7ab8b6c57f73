// The Transformer family: PyTorch's parameter names and counts, layer copies, the causal mask, masks through
// the stacks, dropout in training mode, and bad input.
#include "strata/nn/transformer.h"

#include "test_util.h"

namespace strata::nn {
namespace {

using testing::error_of;

double max_diff(const Tensor& a, const Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(Transformer, PyTorchDefaultsAndNames) {
  Transformer model;
  // nn.Transformer()'s parameter count.
  EXPECT_EQ(model->num_parameters(), 44140544);
  const auto state = model->state_dict();
  for (const char* name : {"encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.5.linear2.bias",
                           "encoder.norm.weight", "decoder.layers.0.multihead_attn.out_proj.weight",
                           "decoder.layers.5.norm3.bias", "decoder.norm.bias"})
    EXPECT_TRUE(state.count(name)) << name;
  EXPECT_EQ(state.size(), 6u * 12 + 6u * 18 + 4);  // 12 tensors an encoder layer, 18 a decoder layer
}

TEST(Transformer, EncoderCopiesTheLayer) {
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16});
  TransformerEncoder encoder(layer, 3);
  EXPECT_EQ(encoder->layers->size(), 3u);
  // Copies start equal to the layer (PyTorch deep-copies it) but are separate parameters.
  const auto a = encoder->layer(0)->linear1->weight, b = encoder->layer(2)->linear1->weight;
  EXPECT_EQ(max_diff(a, layer->linear1->weight), 0.0);
  EXPECT_EQ(max_diff(a, b), 0.0);
  EXPECT_FALSE(a.is_same(b));
  EXPECT_FALSE(a.is_same(layer->linear1->weight));
}

TEST(Transformer, SquareSubsequentMask) {
  const Tensor m = Transformer::ImplType::generate_square_subsequent_mask(3);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(m.to_vector<double>(), (std::vector<double>{0, -inf, -inf, 0, 0, -inf, 0, 0, 0}));
  EXPECT_EQ(generate_square_subsequent_mask(2, kFloat64).dtype(), kFloat64);
  EXPECT_NE(error_of([] { generate_square_subsequent_mask(0); }).find("positive"), std::string::npos);
}

TEST(Transformer, CausalDecoderIgnoresTheFuture) {
  manual_seed(4);
  Transformer model({.d_model = 8,
                     .nhead = 2,
                     .num_encoder_layers = 1,
                     .num_decoder_layers = 2,
                     .dim_feedforward = 16,
                     .batch_first = true});
  model->eval();
  const Tensor src = randn({2, 5, 8}), tgt = randn({2, 4, 8});
  const Tensor out = model->forward(src, tgt, {.tgt_is_causal = true});
  EXPECT_EQ(out.shape(), (Shape{2, 4, 8}));
  // Changing the last target position changes only the last output position.
  Tensor tgt2 = tgt.clone();
  tgt2.narrow(1, 3, 1).copy_(randn({2, 1, 8}));
  const Tensor out2 = model->forward(src, tgt2, {.tgt_is_causal = true});
  EXPECT_LT(max_diff(out.narrow(1, 0, 3), out2.narrow(1, 0, 3)), 1e-5);
  EXPECT_GT(max_diff(out.narrow(1, 3, 1), out2.narrow(1, 3, 1)), 1e-4);
  // The float mask gives the same result as is_causal.
  const Tensor masked = model->forward(src, tgt, {.tgt_mask = generate_square_subsequent_mask(4)});
  EXPECT_LT(max_diff(out, masked), 1e-5);
}

TEST(Transformer, PaddedSourcePositionsAreIgnored) {
  manual_seed(5);
  TransformerEncoder encoder(TransformerEncoderLayer(8, 2, {.dim_feedforward = 16, .batch_first = true}), 2);
  encoder->eval();
  const Tensor src = randn({1, 4, 8});
  const Tensor kpm = from_vector<uint8_t>({0, 0, 0, 1}, {1, 4});
  Tensor src2 = src.clone();
  src2.narrow(1, 3, 1).copy_(randn({1, 1, 8}));
  const Tensor a = encoder->forward(src, {.src_key_padding_mask = kpm});
  const Tensor b = encoder->forward(src2, {.src_key_padding_mask = kpm});
  EXPECT_LT(max_diff(a.narrow(1, 0, 3), b.narrow(1, 0, 3)), 1e-5);
}

TEST(Transformer, DropoutOnlyInTraining) {
  manual_seed(6);
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16, .dropout = 0.3});
  const Tensor x = randn({5, 2, 8});
  layer->eval();
  const Tensor a = layer(x);
  EXPECT_EQ(max_diff(a, layer(x)), 0.0);
  layer->train();
  EXPECT_GT(max_diff(a, layer(x)), 1e-3);
}

TEST(Transformer, NormFirstAndBiasFree) {
  TransformerDecoderLayer layer(
      8, 2, {.dim_feedforward = 16, .activation = "gelu", .norm_first = true, .bias = false});
  for (const auto& [name, p] : layer->named_parameters())
    EXPECT_EQ(name.find("bias"), std::string::npos) << name;
  const Tensor out = layer->forward(randn({3, 2, 8}), randn({4, 2, 8}));
  EXPECT_EQ(out.shape(), (Shape{3, 2, 8}));
}

TEST(Transformer, BadInput) {
  EXPECT_NE(error_of([] { TransformerEncoderLayer(8, 3); }).find("divisible"), std::string::npos);
  EXPECT_NE(error_of([] { TransformerEncoderLayer(8, 2, {.activation = "tanh"}); }).find("'relu' or 'gelu'"),
            std::string::npos);
  EXPECT_NE(error_of([] { TransformerEncoder(TransformerEncoderLayer(8, 2), 0); }).find("num_layers"),
            std::string::npos);
  TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16});
  EXPECT_NE(error_of([&] { layer(randn({3, 2, 6})); }).find("d_model=8"), std::string::npos);
  TransformerDecoderLayer decoder(8, 2, {.dim_feedforward = 16});
  EXPECT_NE(error_of([&] {
              decoder->forward(randn({3, 2, 8}), randn({3, 8}));
            }).find("tgt and memory"),
            std::string::npos);
  Transformer model(
      {.d_model = 8, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 16});
  EXPECT_NE(error_of([&] {
              model->forward(randn({3, 2, 8}), randn({3, 4, 8}));
            }).find("same batch size"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              model->forward(randn({3, 2, 8}), randn({3, 2, 8}), {.tgt_mask = zeros({2, 2})});
            }).find("attn_mask"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::nn
