// Gradients through the importer's composite operators (the ones written as several strata ops: windowed and
// padded pooling, resizing, padding modes, recurrent layers with peepholes or reset-first GRUs, ...), checked
// by central differences in f64 on ONNX's own node-test models (libonnx-testdata) with their floating inputs.
#include <gtest/gtest.h>

#include "strata/autograd/gradcheck.h"
#include "strata/io/onnx_import.h"
#include "test_util.h"

namespace strata {
namespace {

const std::string kNodeTests = "/usr/share/libonnx-testdata/data/node/";

class OnnxImportGradcheck : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxImportGradcheck, FloatingInputs) {
  const std::string dir = kNodeTests + GetParam();
  auto model = onnx::import_model(dir + "/model.onnx");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < model->input_names().size(); ++i) {
    Tensor t = onnx::load_tensor_proto(fmt::format("{}/test_data_set_0/input_{}.pb", dir, i));
    // The data input is checked; the other floating inputs (weights, scales, bounds) run in f64 as constants.
    if (t.is_floating_point()) t = i == 0 ? t.to(kFloat64).detach().requires_grad_() : t.to(kFloat64);
    inputs.push_back(t);
  }
  const auto result =
      autograd::gradcheck([&](const std::vector<Tensor>& in) { return model->forward(in).at(0); }, inputs,
                          {.eps = 1e-6, .atol = 1e-5});
  EXPECT_TRUE(result.ok) << result.message;
}

INSTANTIATE_TEST_SUITE_P(
    NodeTests, OnnxImportGradcheck,
    ::testing::Values("test_averagepool_2d_pads", "test_conv_with_strides_and_asymmetric_padding",
                      "test_convtranspose", "test_convtranspose_pads", "test_cumsum_2d_axis_1",
                      "test_gathernd_example_float32", "test_gru_defaults", "test_instancenorm_example",
                      "test_layer_normalization_4d_axis1", "test_lrn", "test_lstm_with_peepholes",
                      "test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_mvn",
                      "test_resize_downsample_scales_cubic", "test_resize_upsample_scales_linear",
                      "test_scatternd", "test_selu", "test_softmax_axis_1", "test_softplus", "test_celu",
                      "test_hardsigmoid"),
    [](const auto& info) { return info.param; });

}  // namespace
}  // namespace strata
