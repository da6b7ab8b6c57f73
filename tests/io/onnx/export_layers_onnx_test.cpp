// Every layer kind exported (export_layers.cpp, export_rnn.cpp), checked by libonnx and run in onnxruntime on
// random inputs, compared with strata within 1e-4 relative. All models run in one onnxruntime process.
#include <gtest/gtest.h>

#include "io/onnx_test_util.h"
#include "strata/io/onnx.h"
#include "strata/nn.h"
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

struct Result {
  std::string error;                             // export or run failure
  std::vector<std::pair<Tensor, Tensor>> pairs;  // (onnxruntime, strata) per batch size
};

std::map<std::string, Result>& results() {
  static std::map<std::string, Result> r = [] {
    std::map<std::string, Result> out;
    static ScratchDir dir;
    std::vector<strata::testing::OnnxRun> runs;
    std::vector<std::pair<std::string, Tensor>> expected;
    for (Case& c : cases()) {
      c.module->eval();
      const std::string file = dir.file(c.name + ".onnx");
      auto make = [&](int64_t batch) {
        Shape s = c.input_shape;
        std::vector<int64_t> dims(s.begin(), s.end());
        dims[static_cast<size_t>(c.batch_dim)] = batch;
        return c.integer_input ? randint(0, 10, Shape(dims)) : randn(Shape(dims));
      };
      try {
        ExportOptions opts;
        opts.dynamic_axes = {{"input", {{c.batch_dim, "batch"}}}, {"output", {{c.batch_dim, "batch"}}}};
        export_model(*c.module, {make(c.input_shape[static_cast<size_t>(c.batch_dim)])}, file, opts);
      } catch (const std::exception& e) {
        out[c.name].error = e.what();
        continue;
      }
      for (int64_t b : c.batches) {
        const Tensor x = make(b);
        autograd::NoGradGuard g;
        runs.push_back({file, {{"input", x}}});
        expected.emplace_back(c.name, c.module->forward(x));
      }
    }
    auto got = strata::testing::run_onnxruntime_batch(runs);
    for (size_t i = 0; i < expected.size(); ++i) {
      Result& r = out[expected[i].first];
      if (got.empty()) {
        r.error = "onnxruntime failed (see above)";
      } else {
        r.pairs.emplace_back(got[i].at("output"), expected[i].second);
      }
    }
    return out;
  }();
  return r;
}

void check(const std::string& name) {
  const Result& r = results()[name];
  ASSERT_TRUE(r.error.empty()) << name << ": " << r.error;
  ASSERT_FALSE(r.pairs.empty()) << name;
  for (const auto& [ort, strata] : r.pairs) strata::testing::expect_onnx_close(ort, strata, 1e-4, name);
}

#define LAYER_TEST(name) \
  TEST(OnnxExportLayers, name) { check(#name); }

LAYER_TEST(Linear)
LAYER_TEST(LinearNoBias3d)
LAYER_TEST(Conv2d)
LAYER_TEST(Conv2dGroupsDilation)
LAYER_TEST(Conv2dDepthwiseSame)
LAYER_TEST(Conv1d)
LAYER_TEST(Conv1dGroups)
LAYER_TEST(ConvTranspose2d)
LAYER_TEST(ConvTranspose2dGroupsDilation)
LAYER_TEST(MaxPool2d)
LAYER_TEST(MaxPool2dCeil)
LAYER_TEST(AvgPool2d)
LAYER_TEST(AvgPool2dExcludePad)
LAYER_TEST(MaxPool1d)
LAYER_TEST(AvgPool1d)
LAYER_TEST(AdaptiveAvgPool2dGlobal)
LAYER_TEST(AdaptiveAvgPool2d)
LAYER_TEST(BatchNorm2d)
LAYER_TEST(BatchNorm1d)
LAYER_TEST(LayerNorm)
LAYER_TEST(LayerNorm2dShape)
LAYER_TEST(GroupNorm)
LAYER_TEST(ReLU)
LAYER_TEST(SELU)
LAYER_TEST(Sigmoid)
LAYER_TEST(Tanh)
LAYER_TEST(SiLU)
LAYER_TEST(Hardsigmoid)
LAYER_TEST(Hardswish)
LAYER_TEST(Mish)
LAYER_TEST(ReLU6)
LAYER_TEST(LeakyReLU)
LAYER_TEST(ELU)
LAYER_TEST(GELU)
LAYER_TEST(GELUTanh)
LAYER_TEST(Softplus)
LAYER_TEST(PReLU)
LAYER_TEST(Softmax)
LAYER_TEST(LogSoftmax)
LAYER_TEST(Hardtanh)
LAYER_TEST(Dropout)
LAYER_TEST(Identity)
LAYER_TEST(Flatten)
LAYER_TEST(FlattenMiddle)
LAYER_TEST(FlattenBatchAndSteps)
LAYER_TEST(Upsample)
LAYER_TEST(UpsampleBilinear)
LAYER_TEST(UpsampleBilinearAlign)
LAYER_TEST(Embedding)
LAYER_TEST(RNN)
LAYER_TEST(RNNReluBidirectional2Layers)
LAYER_TEST(LSTM)
LAYER_TEST(LSTMBatchFirstBidirectional2Layers)
LAYER_TEST(LSTMNoBias)
LAYER_TEST(GRU)
LAYER_TEST(GRUBatchFirstBidirectional)
LAYER_TEST(GraphMerges)
LAYER_TEST(MultiheadAttention)
LAYER_TEST(MultiheadAttentionBatchFirstNoBias)
LAYER_TEST(TransformerEncoderLayer)
LAYER_TEST(TransformerEncoderLayerPreNormGelu)
LAYER_TEST(TransformerEncoder)
LAYER_TEST(Sequential)

TEST(OnnxExportLayers, EveryCaseHasATest) {
  // A case added to cases() without its LAYER_TEST would go unchecked.
  EXPECT_EQ(cases().size(), 63u);
}

}  // namespace
}  // namespace strata::onnx
