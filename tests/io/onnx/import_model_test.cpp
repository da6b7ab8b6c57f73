// onnx::import_model: PyTorch exports (tests/fixtures/onnx_import, scripts/gen_fixtures_onnx_import.py) give
// PyTorch's outputs, initializers become trainable parameters under their ONNX names, gradients flow through
// the imported graph, and bad files raise errors that name the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "strata/autograd/grad_mode.h"
#include "strata/autograd/gradcheck.h"
#include "strata/io/onnx_import.h"
#include "strata/io/safetensors.h"
#include "test_util.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  return std::string(STRATA_FIXTURES_DIR) + "/onnx_import/" + name;
}

const std::map<std::string, Tensor>& torch_outputs() {
  static const auto tensors = io::load_safetensors(fixture("torch_outputs.safetensors"));
  return tensors;
}

void expect_close(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  ASSERT_EQ(actual.shape(), expected.shape());
  const auto a = actual.to(kFloat64).contiguous().to_vector<double>();
  const auto e = expected.to(kFloat64).contiguous().to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - e[i]) - rtol * std::abs(e[i]));
  EXPECT_LE(worst, atol);
}

class TorchExport : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchExport, MatchesPyTorch) {
  const std::string name = GetParam();
  auto model = onnx::import_model(fixture(name + ".onnx"));
  model->eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = torch_outputs().at(name + ".input");
  expect_close(model->forward(x), torch_outputs().at(name + ".output"), 1e-4, 1e-5);
  // The dynamic batch axis: one example alone gives its row of the batch.
  expect_close(model->forward(x.slice(0, 1, 2)), torch_outputs().at(name + ".output").slice(0, 1, 2), 1e-4,
               1e-5);
}

INSTANTIATE_TEST_SUITE_P(OnnxImport, TorchExport, ::testing::Values("small_cnn", "lstm", "gru", "transformer_layer"));

TEST(OnnxImport, InitializersBecomeParametersUnderTheirOnnxNames) {
  auto model = onnx::import_model(fixture("small_cnn.onnx"));
  std::map<std::string, Tensor> params;
  for (const auto& [name, p] : model->named_parameters()) params[name] = p;
  ASSERT_TRUE(params.count("classifier.weight"));
  ASSERT_TRUE(params.count("classifier.bias"));
  EXPECT_EQ(params.at("classifier.weight").shape(), Shape({10, 784}));
  EXPECT_TRUE(params.at("classifier.weight").requires_grad());
  EXPECT_EQ(model->input_names(), std::vector<std::string>{"input"});
  EXPECT_EQ(model->output_names(), std::vector<std::string>{"output"});
  EXPECT_EQ(model->opset(), 13);
  // load_state_dict writes the tensors forward reads: zeroing the classifier's bias removes it from the
  // output.
  const Tensor bias = params.at("classifier.bias").detach().clone();
  auto state = model->state_dict();
  state.at("classifier.bias") = zeros({10});
  model->load_state_dict(state);
  model->eval();
  autograd::NoGradGuard no_grad;
  expect_close(model->forward(torch_outputs().at("small_cnn.input")),
               F::sub(torch_outputs().at("small_cnn.output"), bias), 1e-4, 1e-5);
}

TEST(OnnxImport, GradientsReachEveryParameter) {
  auto model = onnx::import_model(fixture("small_cnn.onnx"));
  model->train();
  const Tensor loss = F::square(model->forward(torch_outputs().at("small_cnn.input"))).sum();
  loss.backward();
  for (const auto& [name, p] : model->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0) << name;
  }
}

TEST(OnnxImport, GradcheckThroughAnImportedLstm) {
  auto model = onnx::import_model(fixture("lstm.onnx"));
  model->to(kFloat64);
  const Tensor x = testing::input({1, 3, 6}, 7);
  const auto result =
      autograd::gradcheck([&](const std::vector<Tensor>& in) { return model->forward(in[0]); }, {x});
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(OnnxImport, SeveralInputsAndOutputsByName) {
  // ONNX's own node test: Split of one input into three outputs.
  const std::string dir = "/usr/share/libonnx-testdata/data/node/test_split_equal_parts_1d";
  auto model = onnx::import_model(dir + "/model.onnx");
  const Tensor x = onnx::load_tensor_proto(dir + "/test_data_set_0/input_0.pb");
  const auto outs = model->forward(std::map<std::string, Tensor>{{model->input_names()[0], x}});
  ASSERT_EQ(outs.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    expect_close(outs.at(model->output_names()[i]),
                 onnx::load_tensor_proto(fmt::format("{}/test_data_set_0/output_{}.pb", dir, i)), 0, 0);
  const auto add = onnx::import_model("/usr/share/libonnx-testdata/data/node/test_add/model.onnx");
  EXPECT_EQ(add->input_names().size(), 2u);
  EXPECT_THAT(testing::error_of([&] { add->forward(x); }), HasSubstr("takes 2 inputs"));
}

TEST(OnnxImport, UnsupportedOperatorsAreAllNamedWithTheirNodes) {
  const std::string msg = testing::error_of([] { onnx::import_model(fixture("bad_unsupported.onnx")); });
  EXPECT_THAT(msg, HasSubstr("Det (nodes 'det0', 'det1')"));
  EXPECT_THAT(msg, HasSubstr("Acos (node 'acos0')"));
  EXPECT_THAT(msg, HasSubstr("opset 13"));
  EXPECT_THAT(msg, HasSubstr("bad_unsupported.onnx"));
}

TEST(OnnxImport, BadFilesRaiseClearErrors) {
  EXPECT_THAT(testing::error_of([] { onnx::import_model(fixture("not_onnx.onnx")); }),
              HasSubstr("is not an ONNX model"));
  EXPECT_THAT(testing::error_of([] { onnx::import_model(fixture("does_not_exist.onnx")); }),
              HasSubstr("does not exist"));
  EXPECT_THAT(testing::error_of([] { onnx::import_model(fixture("bad_missing_initializer.onnx")); }),
              HasSubstr("input 'conv.weight' of Conv (node 'conv0')"));
  EXPECT_THAT(testing::error_of([] { onnx::import_model(fixture("bad_string_initializer.onnx")); }),
              HasSubstr("tensor 'words' has element type STRING, which strata does not support"));
  EXPECT_THAT(testing::error_of([] { onnx::import_model(fixture("bad_opset.onnx")); }),
              HasSubstr("opset 99"));
  EXPECT_THAT(testing::error_of([] { onnx::load_tensor_proto(fixture("small_cnn.onnx")); }),
              HasSubstr("small_cnn.onnx"));
}

TEST(OnnxImport, OperatorErrorsNameTheNodeAndShapes) {
  auto model = onnx::import_model(fixture("small_cnn.onnx"));
  const std::string msg = testing::error_of([&] { model->forward(zeros({2, 3, 28, 28})); });
  EXPECT_THAT(msg, HasSubstr("onnx Conv"));
  EXPECT_THAT(msg, HasSubstr("[2, 3, 28, 28]"));
}

TEST(OnnxImport, ListsOperators) {
  const auto ops = onnx::importable_operators();
  for (const char* op : {"Conv", "LSTM", "Resize", "Softmax", "Gemm"})
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  EXPECT_EQ(onnx::model_operators(fixture("small_cnn.onnx")),
            (std::vector<std::string>{"Conv", "Flatten", "Gemm", "MaxPool", "Relu"}));
}

}  // namespace
}  // namespace strata
