// Every layer kind exported (export_layers.cpp, export_rnn.cpp), checked by libonnx and run in onnxruntime on
// random inputs, compared with strata within 1e-4 relative. All models run in one onnxruntime process.
#include <gtest/gtest.h>

#include "io/onnx/export_context.h"
#include "io/onnx_test_util.h"
#include "strata/io/onnx.h"
#include "strata/nn.h"
#include "strata/nn/masked_sequence.h"
#include "test_util.h"

namespace strata::onnx {
namespace {

using strata::testing::ScratchDir;

struct Case {
  std::string name;
  std::shared_ptr<nn::Module> module;
  Shape input_shape;           // with batch N
  int64_t batch_dim = 0;       // the dimension exported as dynamic
  bool integer_input = false;  // token ids in [0, 10)
  std::vector<int64_t> batches = {1, 3};
};

std::vector<Case> cases() {
  using namespace nn;
  std::vector<Case> c;
  auto add = [&](std::string name, std::shared_ptr<Module> m, Shape shape, int64_t batch_dim = 0) {
    c.push_back({std::move(name), std::move(m), std::move(shape), batch_dim});
  };
  add("Linear", Linear(6, 4).ptr(), {3, 6});
  add("LinearNoBias3d", Linear(6, 4, false).ptr(), {3, 5, 6});
  add("Conv2d", Conv2d(3, 4, 3, {.stride = 2, .padding = 1}).ptr(), {3, 3, 9, 9});
  add("Conv2dGroupsDilation", Conv2d(4, 6, 3, {.padding = 2, .dilation = 2, .groups = 2}).ptr(),
      {3, 4, 8, 8});
  add("Conv2dDepthwiseSame", Conv2d(4, 4, {3, 5}, {.padding = "same", .groups = 4}).ptr(), {3, 4, 7, 7});
  add("Conv1d", Conv1d(3, 5, 3, {.stride = 1, .padding = 1, .dilation = 2, .groups = 1}).ptr(), {3, 3, 12});
  add("Conv1dGroups", Conv1d(4, 4, 2, {.stride = 2, .groups = 2}).ptr(), {3, 4, 9});
  add("ConvTranspose2d", ConvTranspose2d(4, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1}).ptr(),
      {3, 4, 5, 5});
  add("ConvTranspose2dGroupsDilation",
      ConvTranspose2d(4, 6, 3, {.stride = 1, .groups = 2, .dilation = 2}).ptr(), {3, 4, 5, 5});
  add("MaxPool2d", MaxPool2d(3, {.stride = 2, .padding = 1}).ptr(), {3, 2, 9, 9});
  add("MaxPool2dCeil", MaxPool2d(2, {.ceil_mode = true}).ptr(), {3, 2, 7, 7});
  add("AvgPool2d", AvgPool2d(3, {.stride = 2, .padding = 1}).ptr(), {3, 2, 8, 8});
  add("AvgPool2dExcludePad", AvgPool2d(3, {.stride = 2, .padding = 1, .count_include_pad = false}).ptr(),
      {3, 2, 8, 8});
  add("MaxPool1d", MaxPool1d(3, {.stride = 2}).ptr(), {3, 2, 11});
  add("AvgPool1d", AvgPool1d(2).ptr(), {3, 2, 10});
  add("AdaptiveAvgPool2dGlobal", AdaptiveAvgPool2d(1).ptr(), {3, 4, 5, 6});
  add("AdaptiveAvgPool2d", AdaptiveAvgPool2d(ops::Size2(2, 3)).ptr(), {3, 4, 6, 6});
  {
    BatchNorm2d bn(4);
    bn->running_mean.copy_(randn({4}));
    bn->running_var.copy_(rand({4}).add_(0.5));
    bn->weight.detach().copy_(randn({4}));
    add("BatchNorm2d", bn.ptr(), {3, 4, 5, 5});
    BatchNorm1d bn1(4);
    bn1->running_mean.copy_(randn({4}));
    add("BatchNorm1d", bn1.ptr(), {3, 4});
  }
  add("LayerNorm", LayerNorm(Shape{5}).ptr(), {3, 4, 5});
  add("LayerNorm2dShape", LayerNorm(Shape{4, 5}).ptr(), {3, 4, 5});
  add("GroupNorm", GroupNorm(2, 4).ptr(), {3, 4, 3, 3});
  {
    RMSNorm rms(Shape{4, 5}, 1e-5);
    rms->weight.detach().copy_(randn({4, 5}));
    add("RMSNorm", rms.ptr(), {3, 4, 5});
    add("RMSNormDefaultEpsNoWeight", RMSNorm(Shape{5}, std::nullopt, false).ptr(), {3, 4, 5});
  }
  for (auto& [n, m] : std::vector<std::pair<std::string, std::shared_ptr<Module>>>{
           {"ReLU", ReLU().ptr()},
           {"SELU", SELU().ptr()},
           {"Sigmoid", Sigmoid().ptr()},
           {"Tanh", Tanh().ptr()},
           {"SiLU", SiLU().ptr()},
           {"Hardsigmoid", Hardsigmoid().ptr()},
           {"Hardswish", Hardswish().ptr()},
           {"Mish", Mish().ptr()},
           {"ReLU6", ReLU6().ptr()},
           {"LeakyReLU", LeakyReLU(0.2).ptr()},
           {"ELU", ELU(0.7).ptr()},
           {"GELU", GELU().ptr()},
           {"GELUTanh", GELU(ops::GeluApproximate::Tanh).ptr()},
           {"Softplus", Softplus(2.0, 1.0).ptr()},
           {"PReLU", PReLU(4, 0.1).ptr()},
           {"Softmax", Softmax(1).ptr()},
           {"LogSoftmax", LogSoftmax(-1).ptr()},
           {"Hardtanh", Hardtanh(-0.5, 2.0).ptr()},
           {"Dropout", Dropout(0.5).ptr()},
           {"Identity", Identity().ptr()},
       }) {
    add(n, m, {3, 4, 5});
  }
  add("Flatten", Flatten().ptr(), {3, 2, 3, 4});
  add("FlattenMiddle", Flatten(1, 2).ptr(), {3, 2, 3, 4});
  add("FlattenBatchAndSteps", Flatten(0, 1).ptr(), {3, 5, 4});
  add("Upsample", Upsample(UpsampleOptions{.scale_factor = {2.0}}).ptr(), {3, 2, 4, 4});
  add("UpsampleBilinear",
      Upsample(UpsampleOptions{.size = {7, 5}, .mode = ops::InterpolateMode::Bilinear}).ptr(), {3, 2, 4, 4});
  add("UpsampleBilinearAlign",
      Upsample(UpsampleOptions{
                   .scale_factor = {2.0}, .mode = ops::InterpolateMode::Bilinear, .align_corners = true})
          .ptr(),
      {3, 2, 4, 4});
  {
    Case e{"Embedding", Embedding(10, 4).ptr(), {3, 5}};
    e.integer_input = true;
    c.push_back(e);
  }
  add("RNN", RNN(4, 5).ptr(), {6, 3, 4}, 1);
  add("RNNReluBidirectional2Layers",
      RNN(4, 5, {.num_layers = 2, .nonlinearity = RNNNonlinearity::Relu, .bidirectional = true}).ptr(),
      {6, 3, 4}, 1);
  add("LSTM", LSTM(4, 5).ptr(), {6, 3, 4}, 1);
  add("LSTMBatchFirstBidirectional2Layers",
      LSTM(4, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true}).ptr(), {3, 6, 4});
  add("LSTMNoBias", LSTM(4, 5, {.bias = false}).ptr(), {6, 3, 4}, 1);
  add("GRU", GRU(4, 5).ptr(), {6, 3, 4}, 1);
  add("GRUBatchFirstBidirectional",
      GRU(4, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true}).ptr(), {3, 6, 4});
  {
    Graph g;
    g->add("conv", Conv2d(3, 4, 3, {.padding = 1}));
    g->add("bn", BatchNorm2d(4));
    g->add("relu", ReLU());
    g->add("skip", Conv2d(3, 4, 1), {"input"});
    g->add("sum", Add(), {"relu", "skip"});
    g->add("prod", Mul(), {"sum", "skip"});
    g->add("cat", Concat(1), {"prod", "relu", "input"});
    g->add("pool", AdaptiveAvgPool2d(1));
    g->add("flat", Flatten());
    g->add("fc", Linear(11, 3));
    add("GraphMerges", g.ptr(), {3, 3, 6, 6});
  }
  add("MultiheadAttention", MultiheadAttention(8, 2).ptr(), {5, 3, 8}, 1);
  add("MultiheadAttentionBatchFirstNoBias",
      MultiheadAttention(8, 4, {.bias = false, .batch_first = true}).ptr(), {3, 5, 8});
  add("TransformerEncoderLayer", TransformerEncoderLayer(8, 2, {.dim_feedforward = 16}).ptr(), {5, 3, 8}, 1);
  add("TransformerEncoderLayerPreNormGelu",
      TransformerEncoderLayer(
          8, 2, {.dim_feedforward = 16, .activation = "gelu", .batch_first = true, .norm_first = true})
          .ptr(),
      {3, 5, 8});
  add("TransformerEncoder",
      TransformerEncoder(TransformerEncoderLayer(8, 2, {.dim_feedforward = 16, .batch_first = true}), 2,
                         LayerNorm(Shape{8}).ptr())
          .ptr(),
      {3, 5, 8});
  add("Sequential", Sequential(Conv2d(2, 3, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(12, 2)).ptr(),
      {3, 2, 6, 6});
  return c;
}

// One test for all layer kinds: ctest runs each test in its own process, and one onnxruntime process for
// every case keeps the suite fast. Failures name the case.
TEST(OnnxExportLayers, EveryLayerKindMatchesOnnxruntime) {
  ScratchDir dir;
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  const std::vector<Case> all = cases();
  EXPECT_EQ(all.size(), 65u);
  for (const Case& c : all) {
    c.module->eval();
    const std::string file = dir.file(c.name + ".onnx");
    auto make = [&](int64_t batch) {
      std::vector<int64_t> dims(c.input_shape.begin(), c.input_shape.end());
      dims[static_cast<size_t>(c.batch_dim)] = batch;
      return c.integer_input ? randint(0, 10, Shape(dims)) : randn(Shape(dims));
    };
    ExportOptions opts;
    opts.dynamic_axes = {{"input", {{c.batch_dim, "batch"}}}, {"output", {{c.batch_dim, "batch"}}}};
    try {
      export_model(*c.module, {make(c.input_shape[static_cast<size_t>(c.batch_dim)])}, file, opts);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": " << e.what();
      continue;
    }
    for (int64_t b : c.batches) {
      const Tensor x = make(b);
      autograd::NoGradGuard g;
      runs.push_back({file, {{"input", x}}});
      expected.emplace_back(fmt::format("{} (batch {})", c.name, b), c.module->forward(x));
    }
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].count("output"), 1u) << expected[i].first;
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
  }
}

// A layer called with several inputs (masks as graph inputs, an undefined tensor for an omitted one) whose
// batch and sequence lengths are dynamic: exported once, run for other (batch, length) pairs.
struct MultiCase {
  std::string name;
  std::shared_ptr<nn::Module> module;
  // The call's inputs for batch B and sequence length T (undefined: an omitted optional argument).
  std::function<std::vector<Tensor>(int64_t B, int64_t T)> inputs;
  // strata's output for those inputs.
  std::function<Tensor(const std::vector<Tensor>&)> forward;
  // Dynamic axes by input index: {dim, symbol}.
  std::map<size_t, std::map<int64_t, std::string>> axes;
  // Dynamic axes of the output (those of input 0 when empty).
  std::map<int64_t, std::string> output_axes{};
};

std::vector<MultiCase> multi_cases() {
  using namespace nn;
  std::vector<MultiCase> c;
  const std::map<int64_t, std::string> bt{{0, "batch"}, {1, "steps"}};
  const std::map<int64_t, std::string> tb{{0, "steps"}, {1, "batch"}};
  auto seq = [&](std::string name, std::shared_ptr<Module> m, int64_t d) {
    c.push_back({std::move(name),
                 m,
                 [d](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({B, T, d})};
                 },
                 [m](const std::vector<Tensor>& x) { return m->forward(x[0]); },
                 {{0, bt}}});
  };
  seq("SinusoidalPositionalEncoding", SinusoidalPositionalEncoding(6, 32).ptr(), 6);
  seq("LearnedPositionalEncoding", LearnedPositionalEncoding(32, 6).ptr(), 6);
  seq("RotaryEmbedding", RotaryEmbedding(8).ptr(), 8);
  // LSTM with proj_size: a Scan per layer and direction.
  seq("LSTMProjBatchFirst2LayersBidirectional",
      LSTM(4, 6, {.num_layers = 2, .batch_first = true, .bidirectional = true, .proj_size = 3}).ptr(), 4);
  {
    // The padding-aware layers of config-built text models: the embedding's padding marks each sequence's
    // end (row 0 padded), the recurrent layers and pools skip the padding.
    auto ids = [](int64_t B, int64_t T) {
      Tensor t = randint(1, 10, {B, T});
      for (int64_t j = T - 2; j < T; ++j) t.set_at({0, j}, 0);
      return std::vector<Tensor>{t};
    };
    {
      auto mask = std::make_shared<SequenceMask>();
      Sequential s(std::make_shared<MaskingEmbeddingImpl>(10, 4, 0, mask),
                   std::make_shared<MaskedGRUImpl>(
                       4, 3, GRUOptions{.batch_first = true, .bidirectional = true}, true, mask),
                   std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Avg, mask));
      c.push_back({"MaskedBiGRUAvgPool",
                   s.ptr(),
                   ids,
                   [s](const std::vector<Tensor>& x) { return s->forward(x[0]); },
                   {{0, bt}},
                   {{0, "batch"}}});
    }
    {
      auto mask = std::make_shared<SequenceMask>();
      Sequential s(
          std::make_shared<MaskingEmbeddingImpl>(10, 4, 0, mask),
          std::make_shared<MaskedLSTMImpl>(
              4, 3, LSTMOptions{.num_layers = 2, .batch_first = true, .bidirectional = true}, false, mask));
      c.push_back({"MaskedBiLSTMLastState",
                   s.ptr(),
                   ids,
                   [s](const std::vector<Tensor>& x) { return s->forward(x[0]); },
                   {{0, bt}},
                   {{0, "batch"}}});
    }
    {
      auto mask = std::make_shared<SequenceMask>();
      Sequential s(std::make_shared<MaskingEmbeddingImpl>(10, 4, 0, mask),
                   std::make_shared<MaskedRNNImpl>(4, 3, RNNOptions{.batch_first = true}, true, mask),
                   std::make_shared<GlobalPool1dImpl>(GlobalPool1dImpl::Kind::Max, mask));
      c.push_back({"MaskedRNNMaxPool",
                   s.ptr(),
                   ids,
                   [s](const std::vector<Tensor>& x) { return s->forward(x[0]); },
                   {{0, bt}},
                   {{0, "batch"}}});
    }
  }
  {
    LSTM lstm(4, 5, {.proj_size = 2});
    c.push_back({"LSTMProj",
                 lstm.ptr(),
                 [](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({T, B, 4})};
                 },
                 [lstm](const std::vector<Tensor>& x) { return lstm->forward(x[0]); },
                 {{0, tb}}});
    LSTM bi(4, 5, {.num_layers = 2, .bias = false, .bidirectional = true, .proj_size = 3});
    c.push_back({"LSTMProj2LayersBidirectionalNoBias",
                 bi.ptr(),
                 [](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({T, B, 4})};
                 },
                 [bi](const std::vector<Tensor>& x) { return bi->forward(x[0]); },
                 {{0, tb}}});
  }
  {
    // Cross-attention, batch first, kdim/vdim, a u8 key padding mask and a float [L, S] mask as inputs;
    // the key length S = T + 2 differs from the query length.
    MultiheadAttention mha(8, 2, {.kdim = 5, .vdim = 3, .batch_first = true});
    c.push_back({"MultiheadAttentionCrossMasks",
                 mha.ptr(),
                 [](int64_t B, int64_t T) {
                   Tensor kpm = zeros({B, T + 2}, {.dtype = kUInt8});
                   for (int64_t b = 0; b < B; ++b) kpm.set_at({b, T + 1 - b % 2}, 1);
                   return std::vector<Tensor>{randn({B, T, 8}), randn({B, T + 2, 5}), randn({B, T + 2, 3}),
                                              kpm, randn({T, T + 2})};
                 },
                 [mha](const std::vector<Tensor>& x) {
                   return mha
                       ->forward(x[0], x[1], x[2],
                                 {.key_padding_mask = x[3], .need_weights = false, .attn_mask = x[4]})
                       .output;
                 },
                 {{0, bt},
                  {1, {{0, "batch"}, {1, "keys"}}},
                  {2, {{0, "batch"}, {1, "keys"}}},
                  {3, {{0, "batch"}, {1, "keys"}}},
                  {4, {{0, "steps"}, {1, "keys"}}}}});
  }
  {
    // Self-attention [T, B, E] with a float key padding mask and a u8 [B * heads, L, S] mask blocking whole
    // rows (a query that sees no key gets zeros).
    MultiheadAttention mha(8, 2, {.bias = false});
    c.push_back(
        {"MultiheadAttention3dBoolMaskFloatPadding",
         mha.ptr(),
         [](int64_t B, int64_t T) {
           const Tensor x = randn({T, B, 8});
           Tensor am = zeros({B * 2, T, T}, {.dtype = kUInt8});
           for (int64_t i = 0; i < B * 2; ++i) {
             am.set_at({i, 0, T - 1}, 1);
             if (i == 1)
               for (int64_t j = 0; j < T; ++j) am.set_at({i, 1, j}, 1);
           }
           Tensor kpm = zeros({B, T});
           kpm.set_at({0, 1}, -2.0);
           return std::vector<Tensor>{x, x, x, kpm, am};
         },
         [mha](const std::vector<Tensor>& x) {
           return mha
               ->forward(x[0], x[0], x[0],
                         {.key_padding_mask = x[3], .need_weights = false, .attn_mask = x[4]})
               .output;
         },
         {{0, tb}, {1, tb}, {2, tb}, {3, bt}, {4, {{0, "batch_heads"}, {1, "steps"}, {2, "steps"}}}}});
  }
  {
    TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16, .batch_first = true});
    c.push_back({"TransformerEncoderLayerKeyPadding",
                 layer.ptr(),
                 [](int64_t B, int64_t T) {
                   Tensor kpm = zeros({B, T}, {.dtype = kUInt8});
                   kpm.set_at({B - 1, T - 1}, 1);
                   return std::vector<Tensor>{randn({B, T, 8}), Tensor(), kpm};
                 },
                 [layer](const std::vector<Tensor>& x) {
                   return layer->forward(x[0], EncoderMasks{.src_key_padding_mask = x[2]});
                 },
                 {{0, bt}, {2, bt}}});
  }
  {
    // Post-norm ReLU decoder layer [T, B, E]: the causal tgt_mask and a memory key padding mask as inputs.
    TransformerDecoderLayer layer(8, 2, {.dim_feedforward = 16});
    c.push_back({"TransformerDecoderLayerMasks",
                 layer.ptr(),
                 [](int64_t B, int64_t T) {
                   Tensor mpm = zeros({B, T + 1}, {.dtype = kUInt8});
                   mpm.set_at({0, T}, 1);
                   return std::vector<Tensor>{randn({T, B, 8}),
                                              randn({T + 1, B, 8}),
                                              generate_square_subsequent_mask(T),
                                              Tensor(),
                                              Tensor(),
                                              mpm};
                 },
                 [layer](const std::vector<Tensor>& x) {
                   return layer->forward(x[0], x[1],
                                         DecoderMasks{.tgt_mask = x[2], .memory_key_padding_mask = x[5]});
                 },
                 {{0, tb},
                  {1, {{0, "keys"}, {1, "batch"}}},
                  {2, {{0, "steps"}, {1, "steps"}}},
                  {5, {{0, "batch"}, {1, "keys"}}}}});
  }
  {
    TransformerDecoderLayer layer(
        8, 2, {.dim_feedforward = 16, .activation = "gelu", .batch_first = true, .norm_first = true});
    c.push_back({"TransformerDecoderLayerPreNormGelu",
                 layer.ptr(),
                 [](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({B, T, 8}), randn({B, T + 3, 8})};
                 },
                 [layer](const std::vector<Tensor>& x) { return layer->forward(x[0], x[1]); },
                 {{0, bt}, {1, {{0, "batch"}, {1, "keys"}}}}});
  }
  {
    TransformerDecoder dec(TransformerDecoderLayer(8, 2, {.dim_feedforward = 16, .batch_first = true}), 2,
                           LayerNorm(Shape{8}).ptr());
    c.push_back({"TransformerDecoder",
                 dec.ptr(),
                 [](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({B, T, 8}), randn({B, T + 1, 8})};
                 },
                 [dec](const std::vector<Tensor>& x) { return dec->forward(x[0], x[1]); },
                 {{0, bt}, {1, {{0, "batch"}, {1, "keys"}}}}});
  }
  {
    Transformer t(TransformerOptions{.d_model = 8,
                                     .nhead = 2,
                                     .num_encoder_layers = 1,
                                     .num_decoder_layers = 2,
                                     .dim_feedforward = 16,
                                     .activation = "gelu",
                                     .batch_first = true,
                                     .norm_first = true});
    c.push_back({"TransformerPreNormMasks",
                 t.ptr(),
                 [](int64_t B, int64_t T) {
                   Tensor spm = zeros({B, T + 2}, {.dtype = kUInt8});
                   spm.set_at({B - 1, T + 1}, 1);
                   return std::vector<Tensor>{randn({B, T + 2, 8}),
                                              randn({B, T, 8}),
                                              Tensor(),
                                              generate_square_subsequent_mask(T),
                                              Tensor(),
                                              spm,
                                              Tensor(),
                                              spm};
                 },
                 [t](const std::vector<Tensor>& x) {
                   return t->forward(
                       x[0], x[1],
                       TransformerMasks{
                           .tgt_mask = x[3], .src_key_padding_mask = x[5], .memory_key_padding_mask = x[7]});
                 },
                 {{0, {{0, "batch"}, {1, "keys"}}},
                  {1, bt},
                  {3, {{0, "steps"}, {1, "steps"}}},
                  {5, {{0, "batch"}, {1, "keys"}}},
                  {7, {{0, "batch"}, {1, "keys"}}}}});
  }
  {
    Transformer t(TransformerOptions{
        .d_model = 8, .nhead = 2, .num_encoder_layers = 2, .num_decoder_layers = 1, .dim_feedforward = 16});
    c.push_back({"TransformerPostNorm",
                 t.ptr(),
                 [](int64_t B, int64_t T) {
                   return std::vector<Tensor>{randn({T + 1, B, 8}), randn({T, B, 8})};
                 },
                 [t](const std::vector<Tensor>& x) { return t->forward(x[0], x[1]); },
                 {{0, {{0, "keys"}, {1, "batch"}}}, {1, tb}},
                 tb});
  }
  return c;
}

TEST(OnnxExportLayers, AttentionTransformerAndPositionalLayersWithMasksAndDynamicLengths) {
  ScratchDir dir;
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  for (const MultiCase& c : multi_cases()) {
    c.module->eval();
    const std::string file = dir.file(c.name + ".onnx");
    const std::vector<Tensor> example = c.inputs(2, 5);
    ExportOptions opts;
    for (size_t i = 0; i < example.size(); ++i) {
      opts.input_names.push_back(fmt::format("in{}", i));
      if (c.axes.count(i)) opts.dynamic_axes[opts.input_names.back()] = c.axes.at(i);
    }
    opts.dynamic_axes["output"] = c.output_axes.empty() ? c.axes.at(0) : c.output_axes;
    try {
      export_model(*c.module, example, file, opts);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": " << e.what();
      continue;
    }
    // Another batch and two other lengths than the traced (2, 5).
    for (auto [B, T] : {std::pair<int64_t, int64_t>{1, 3}, {3, 7}}) {
      const std::vector<Tensor> x = c.inputs(B, T);
      std::map<std::string, Tensor> feeds;
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i].defined()) feeds[fmt::format("in{}", i)] = x[i];
      autograd::NoGradGuard g;
      runs.push_back({file, feeds});
      expected.emplace_back(fmt::format("{} (batch {}, length {})", c.name, B, T), c.forward(x));
    }
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].count("output"), 1u) << expected[i].first;
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
  }
}

// A module calling MultiheadAttention with is_causal, and with a float mask it holds (an initializer in the
// graph) when `with_mask`: how a model's own masks reach export_attention.
struct CausalAttentionCall : nn::Module {
  explicit CausalAttentionCall(bool with_mask)
      : nn::Module("CausalAttentionCall"), mha(8, 2, {.batch_first = true}) {
    register_module("mha", mha.ptr());
    if (with_mask) mask = register_buffer("mask", randn({5, 5}));
  }
  Tensor forward(const Tensor& x) override {
    return mha->forward(x, x, x, {.need_weights = false, .attn_mask = mask, .is_causal = true}).output;
  }
  nn::MultiheadAttention mha;
  Tensor mask;
};

TEST(OnnxExportLayers, MultiheadAttentionIsCausalWithAndWithoutAnInitializerMask) {
  register_builtin_exporters();
  register_exporter(
      "CausalAttentionCall",
      [](ExportContext& ctx, nn::Module& m, const std::string& path,
         const std::vector<Value>& in) -> std::vector<Value> {
        auto& c = dynamic_cast<CausalAttentionCall&>(m);
        AttentionMasks masks{.is_causal = true};
        if (c.mask.defined()) masks.attn_mask = {ctx.initializer(c.mask, join_path(path, "mask")), c.mask};
        return {export_attention(ctx, *c.mha, join_path(path, "mha"), in[0], in[0], in[0], masks)};
      });
  ScratchDir dir;
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  for (bool with_mask : {false, true}) {
    auto m = std::make_shared<CausalAttentionCall>(with_mask);
    m->eval();
    const std::string file = dir.file(with_mask ? "causal_mask.onnx" : "causal.onnx");
    ExportOptions opts;
    // The held mask fixes the length at 5; without it the length is dynamic.
    std::map<int64_t, std::string> axes{{0, "batch"}};
    if (!with_mask) axes[1] = "steps";
    opts.dynamic_axes = {{"input", axes}, {"output", axes}};
    export_model(*m, {randn({2, 5, 8})}, file, opts);
    const ::onnx::ModelProto proto = read_model(file);
    EXPECT_EQ(proto.graph().input_size(), 1) << "the held mask is an initializer, not an input";
    for (int64_t T : with_mask ? std::vector<int64_t>{5} : std::vector<int64_t>{3, 8}) {
      const Tensor x = randn({3, T, 8});
      autograd::NoGradGuard g;
      runs.push_back({file, {{"input", x}}});
      expected.emplace_back(fmt::format("is_causal{} length {}", with_mask ? " + mask" : "", T),
                            m->forward(x));
    }
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
}

}  // namespace
}  // namespace strata::onnx
