// The zoo models exported (export_models.cpp) with a dynamic batch axis, run in onnxruntime for batch 0, 1
// and N and compared with strata within 1e-4 relative; the external-data path; the error paths.
#include <gtest/gtest.h>

#include "io/onnx/proto.h"
#include "io/onnx_test_util.h"
#include "strata/io/onnx.h"
#include "strata/models.h"
#include "strata/nn.h"
#include "strata/ops/indexing.h"
#include "test_util.h"

namespace strata::onnx {
namespace {

using strata::testing::ScratchDir;

struct ModelCase {
  std::string name;
  std::shared_ptr<nn::Module> module;
  Shape sample;  // one input without the batch dim
};

std::vector<ModelCase> model_cases() {
  std::vector<ModelCase> c;
  c.push_back({"mlp", models::mlp({8, 16, 16, 3}, 0.1).ptr(), {8}});
  c.push_back({"lenet5", models::lenet5(10, 1).ptr(), {1, 28, 28}});
  c.push_back({"resnet20", models::resnet20({.num_classes = 10, .in_channels = 1}).ptr(), {1, 16, 16}});
  c.push_back({"resnet18", models::resnet18({.num_classes = 5}).ptr(), {3, 16, 16}});
  // resnet50's blocks (Bottleneck, ImageNet stem) at a size that keeps the test fast.
  const models::ResNetSpec bottleneck{"resnet_bottleneck",
                                      models::ResNetSpec::Block::Bottleneck,
                                      {2, 1},
                                      {8, 16},
                                      models::ResNetSpec::Stem::ImageNet};
  c.push_back({"resnet_bottleneck",
               models::ResNet(bottleneck, models::ResNetOptions{.num_classes = 5}).ptr(),
               {3, 32, 32}});
  c.push_back({"vgg11_bn",
               models::vgg11_bn({.num_classes = 4, .classifier_width = 32, .pool_size = 1}).ptr(),
               {3, 32, 32}});
  c.push_back({"vgg11",
               models::vgg11({.num_classes = 4, .classifier_width = 32, .pool_size = 1}).ptr(),
               {3, 32, 32}});
  c.push_back(
      {"mobilenet_v2", models::mobilenet_v2({.num_classes = 6, .width_mult = 0.5}).ptr(), {3, 32, 32}});
  return c;
}

// Randomises every batch norm's running statistics, so eval-mode normalisation is not the identity.
void randomise_batch_norms(nn::Module& m) {
  for (auto& [name, child] : m.named_modules()) {
    if (auto* bn = dynamic_cast<nn::BatchNormImpl*>(child.get())) {
      bn->running_mean.copy_(randn(bn->running_mean.shape()).mul_(0.1));
      bn->running_var.copy_(rand(bn->running_var.shape()).add_(0.5));
    }
  }
}

TEST(OnnxExportModels, ZooModelsMatchOnnxruntimeForBatch0And1AndN) {
  ScratchDir dir;
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  for (ModelCase& c : model_cases()) {
    randomise_batch_norms(*c.module);
    c.module->eval();
    auto input = [&](int64_t batch) {
      std::vector<int64_t> dims{batch};
      dims.insert(dims.end(), c.sample.begin(), c.sample.end());
      return randn(Shape(dims));
    };
    const std::string file = dir.file(c.name + ".onnx");
    ExportOptions opts;
    opts.dynamic_axes = {{"input", {{0, "batch"}}}, {"output", {{0, "batch"}}}};
    ASSERT_NO_THROW(export_model(*c.module, {input(2)}, file, opts)) << c.name;
    for (int64_t b : {0, 1, 3}) {
      const Tensor x = input(b);
      autograd::NoGradGuard g;
      runs.push_back({file, {{"input", x}}});
      expected.emplace_back(fmt::format("{} batch {}", c.name, b), c.module->forward(x));
    }
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
  }
}

TEST(OnnxExportModels, GptWithoutCacheMatchesOnnxruntime) {
  ScratchDir dir;
  auto gpt = models::GPT(models::GPTConfig{.vocab_size = 20,
                                           .block_size = 16,
                                           .n_layer = 2,
                                           .n_head = 2,
                                           .n_embd = 8,
                                           .dropout = 0.1,
                                           .bias = true});
  gpt->eval();
  ExportOptions opts;
  opts.dynamic_axes = {{"input", {{0, "batch"}, {1, "length"}}}, {"output", {{0, "batch"}, {1, "length"}}}};
  const std::string file = dir.file("gpt.onnx");
  export_model(*gpt, {randint(0, 20, {2, 7})}, file, opts);
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<Tensor> expected;
  for (auto [b, t] : {std::pair<int64_t, int64_t>{0, 7}, {1, 7}, {3, 7}, {2, 3}, {1, 16}}) {
    const Tensor ids = randint(0, 20, {b, t});
    autograd::NoGradGuard g;
    runs.push_back({file, {{"input", ids}}});
    expected.push_back(gpt->forward(ids));
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i]);
}

// Token ids [B, T] in [1, vocab) with the last `pad` positions of row 0 set to the padding id 0.
Tensor padded_ids(int64_t B, int64_t T, int64_t vocab, int64_t pad) {
  Tensor ids = randint(1, vocab, {B, T});
  for (int64_t j = T - pad; j < T && B > 0; ++j) ids.set_at({0, j}, 0);
  return ids;
}

// BERT (masked LM, classifier with mean and first pooling) and TransformerSeq2Seq (two inputs, and the packed
// one-tensor form): exported once, run for batch 0, 1 and 3 and for two sequence lengths; padding masks are
// computed in the graph from the ids.
TEST(OnnxExportModels, TextModelsMatchOnnxruntimeForDynamicBatchAndLength) {
  ScratchDir dir;
  struct TextCase {
    std::string name;
    std::shared_ptr<nn::Module> module;
    bool two_inputs = false;  // (source, decoder input)
    bool packed = false;      // [B, 2, L]
  };
  models::ZooOptions o;
  o.vocab_size = 30, o.d_model = 16, o.nhead = 2, o.num_encoder_layers = 2, o.num_decoder_layers = 2;
  o.dim_feedforward = 32, o.max_positions = 16, o.num_classes = 3;
  std::vector<TextCase> cases{{"bert_mlm", models::create("bert_mlm", o)},
                              {"bert_classifier_mean", models::create("bert_classifier", o)}};
  o.pooling = "first";
  cases.push_back({"bert_classifier_first", models::create("bert_classifier", o)});
  cases.push_back({"transformer_seq2seq", models::create("transformer_seq2seq", o), true});
  cases.push_back({"transformer_seq2seq_packed", models::create("transformer_seq2seq", o), false, true});
  std::vector<strata::testing::OnnxRun> runs;
  std::vector<std::pair<std::string, Tensor>> expected;
  for (TextCase& c : cases) {
    c.module->eval();
    const std::string file = dir.file(c.name + ".onnx");
    auto inputs = [&](int64_t B, int64_t T) -> std::vector<Tensor> {
      if (c.packed) return {ops::stack({padded_ids(B, T, 30, 2), padded_ids(B, T, 30, 1)}, 1)};
      if (c.two_inputs) return {padded_ids(B, T + 2, 30, 2), padded_ids(B, T, 30, 1)};
      return {padded_ids(B, T, 30, 2)};
    };
    ExportOptions opts;
    if (c.two_inputs) {
      opts.input_names = {"source", "decoder_input"};
      opts.dynamic_axes = {{"source", {{0, "batch"}, {1, "source_length"}}},
                           {"decoder_input", {{0, "batch"}, {1, "length"}}},
                           {"output", {{0, "batch"}, {1, "length"}}}};
    } else if (c.packed) {
      opts.dynamic_axes = {{"input", {{0, "batch"}, {2, "length"}}}, {"output", {{0, "rows"}}}};
    } else {
      opts.dynamic_axes = {{"input", {{0, "batch"}, {1, "length"}}},
                           {"output", {{0, c.name == "bert_mlm" ? "rows" : "batch"}}}};
    }
    ASSERT_NO_THROW(export_model(*c.module, inputs(2, 6), file, opts)) << c.name;
    for (auto [B, T] : {std::pair<int64_t, int64_t>{0, 4}, {1, 3}, {3, 9}}) {
      const std::vector<Tensor> x = inputs(B, T);
      autograd::NoGradGuard g;
      if (c.two_inputs) {
        runs.push_back({file, {{"source", x[0]}, {"decoder_input", x[1]}}});
        auto& s = dynamic_cast<models::TransformerSeq2SeqImpl&>(*c.module);
        expected.emplace_back(fmt::format("{} batch {} length {}", c.name, B, T), s.forward(x[0], x[1]));
      } else {
        runs.push_back({file, {{"input", x[0]}}});
        expected.emplace_back(fmt::format("{} batch {} length {}", c.name, B, T), c.module->forward(x[0]));
      }
    }
    if (c.name == "bert_classifier_mean" || c.name == "transformer_seq2seq") {
      ASSERT_TRUE(strata::testing::python_onnx_available())
          << "python3-onnx is missing: run scripts/install-deps";
      strata::testing::expect_python_full_check(file);
    }
  }
  const auto got = strata::testing::run_onnxruntime_batch(runs);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    strata::testing::expect_onnx_close(got[i].at("output"), expected[i].second, 1e-4, expected[i].first);
  }
}

TEST(OnnxExportModels, NamesOpsetAndInitializersAreWritten) {
  ScratchDir dir;
  auto model = models::lenet5(10, 1);
  ExportOptions opts;
  opts.opset = 13;
  opts.input_names = {"image"};
  opts.output_names = {"logits"};
  opts.dynamic_axes = {{"image", {{0, "n"}}}, {"logits", {{0, "n"}}}};
  export_model(*model, {randn({2, 1, 28, 28})}, dir.file("lenet.onnx"), opts);
  const ::onnx::ModelProto m = read_model(dir.file("lenet.onnx"));
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.graph().input(0).name(), "image");
  EXPECT_EQ(m.graph().output(0).name(), "logits");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "n");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(1).dim_value(), 1);
  // Every parameter is an initializer (Linear weights stored transposed), nothing else is.
  int64_t params = 0;
  for (const auto& init : m.graph().initializer()) {
    int64_t n = 1;
    for (int64_t d : init.dims()) n *= d;
    if (init.data_type() == ::onnx::TensorProto::FLOAT) params += n;
  }
  EXPECT_EQ(params, model->num_parameters());
  EXPECT_TRUE(model->is_training()) << "export restores the module's mode";
  const auto out =
      strata::testing::run_onnxruntime(dir.file("lenet.onnx"), {{"image", randn({4, 1, 28, 28})}});
  ASSERT_EQ(out.count("logits"), 1u);
  EXPECT_EQ(out.at("logits").shape(), Shape({4, 10}));
}

TEST(OnnxExportModels, LargeInitializersGoToExternalData) {
  ScratchDir dir;
  auto model = models::resnet20({.num_classes = 10, .in_channels = 1});
  randomise_batch_norms(*model);
  model->eval();
  ExportOptions opts;
  opts.external_data_total_bytes = 1000;      // as if the model were over protobuf's limit
  opts.external_data_threshold_bytes = 4096;  // tensors of 1024+ floats go out
  opts.dynamic_axes = {{"input", {{0, "batch"}}}, {"output", {{0, "batch"}}}};
  const std::string file = dir.file("resnet20.onnx");
  export_model(*model, {randn({2, 1, 16, 16})}, file, opts);
  ASSERT_TRUE(std::filesystem::exists(file + ".data"));
  const ::onnx::ModelProto m = read_model(file);
  int external = 0, internal = 0;
  for (const auto& init : m.graph().initializer()) {
    (init.data_location() == ::onnx::TensorProto::EXTERNAL ? external : internal)++;
    if (init.data_location() == ::onnx::TensorProto::EXTERNAL) {
      EXPECT_GE(from_tensor_proto(init, dir.path.string()).numel() * 4, 4096) << init.name();
    }
  }
  EXPECT_GT(external, 10);
  EXPECT_GT(internal, 10);
  EXPECT_LT(std::filesystem::file_size(file), std::filesystem::file_size(file + ".data"));
  const Tensor x = randn({3, 1, 16, 16});
  autograd::NoGradGuard g;
  const auto out = strata::testing::run_onnxruntime(file, {{"input", x}});
  ASSERT_EQ(out.count("output"), 1u);
  strata::testing::expect_onnx_close(out.at("output"), model->forward(x), 1e-4, "resnet20 external data");
  ASSERT_TRUE(strata::testing::python_onnx_available())
      << "python3-onnx is missing: run scripts/install-deps";
  strata::testing::expect_python_full_check(file);
}

TEST(OnnxExportModels, PythonFullCheckAcceptsTheExports) {
  ScratchDir dir;
  ASSERT_TRUE(strata::testing::python_onnx_available())
      << "python3-onnx is missing: run scripts/install-deps";
  ExportOptions opts;
  opts.dynamic_axes = {{"input", {{0, "batch"}}}, {"output", {{0, "batch"}}}};
  export_model(*models::mobilenet_v2({.num_classes = 6, .width_mult = 0.5}), {randn({2, 3, 32, 32})},
               dir.file("mobilenet.onnx"), opts);
  strata::testing::expect_python_full_check(dir.file("mobilenet.onnx"));
  export_model(*nn::LSTM(4, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true}),
               {randn({2, 6, 4})}, dir.file("lstm.onnx"), opts);
  strata::testing::expect_python_full_check(dir.file("lstm.onnx"));
  export_model(*nn::LSTM(4, 5, {.batch_first = true, .bidirectional = true, .proj_size = 2}),
               {randn({2, 6, 4})}, dir.file("lstm_proj.onnx"), opts);
  strata::testing::expect_python_full_check(dir.file("lstm_proj.onnx"));
  ExportOptions two;
  two.dynamic_axes = {{"input_0", {{0, "batch"}, {1, "steps"}}}, {"input_1", {{0, "batch"}, {1, "keys"}}}};
  export_model(*nn::TransformerDecoderLayer(8, 2, {.dim_feedforward = 16, .batch_first = true}),
               {randn({2, 5, 8}), randn({2, 6, 8}), nn::generate_square_subsequent_mask(5), Tensor(),
                Tensor(), zeros({2, 6}, {.dtype = kUInt8})},
               dir.file("decoder_layer.onnx"), two);
  strata::testing::expect_python_full_check(dir.file("decoder_layer.onnx"));
}

TEST(OnnxExportModels, UnsupportedModulesAndBadOptionsRaise) {
  ScratchDir dir;
  // A module type without an exporter, nested: the error names its path and type.
  struct Unexported : nn::Module {
    Unexported() : nn::Module("Unexported") {}
    Tensor forward(const Tensor& x) override { return x; }
  };
  nn::Sequential seq(nn::Linear(4, 4), nn::Sequential(nn::ReLU(), std::make_shared<Unexported>()));
  EXPECT_ERROR_CONTAINS(export_model(*seq, {randn({2, 4})}, dir.file("x.onnx")), "'1.1'", "Unexported",
                        "no ONNX exporter");
  EXPECT_ERROR_CONTAINS(export_model(*nn::Linear(4, 2), {randn({2, 4})}, dir.file("o.onnx"), {.opset = 18}),
                        "opset 18");
  EXPECT_ERROR_CONTAINS(export_model(*nn::Linear(4, 2), {}, dir.file("o.onnx")), "example input");
  ExportOptions names;
  names.input_names = {"a", "b"};
  EXPECT_ERROR_CONTAINS(export_model(*nn::Linear(4, 2), {randn({2, 4})}, dir.file("o.onnx"), names),
                        "2 input names");
  ExportOptions axes;
  axes.dynamic_axes = {{"nonexistent", {{0, "batch"}}}};
  EXPECT_ERROR_CONTAINS(export_model(*nn::Linear(4, 2), {randn({2, 4})}, dir.file("o.onnx"), axes),
                        "nonexistent");
  EXPECT_ERROR_CONTAINS(export_model(*nn::Linear(4, 2), {randn({2, 4})}, dir.file("no/such/dir/o.onnx")),
                        "does not exist");
  EXPECT_ERROR_CONTAINS(
      export_model(*nn::AdaptiveAvgPool2d(ops::Size2(3, 3)), {randn({1, 2, 5, 5})}, dir.file("a.onnx")),
      "AdaptiveAvgPool2d", "5x5");
}

}  // namespace
}  // namespace strata::onnx
