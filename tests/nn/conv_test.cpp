// Convolution layers: parameter names and shapes as PyTorch's state_dict, default initialisation
// bounds, output shapes, repr, and errors naming the layer and shapes.
#include "strata/nn/conv.h"

#include <gmock/gmock.h>

#include <cmath>

#include "test_util.h"

namespace strata::nn {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::pair<std::string, Shape>> param_shapes(const Module& m) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const auto& [n, t] : m.named_parameters()) out.emplace_back(n, t.shape());
  return out;
}

double max_abs(const Tensor& t) { return t.abs().max().item(); }

TEST(Conv2dLayer, ParametersMatchPyTorch) {
  Conv2d conv(3, 6, 5);
  EXPECT_EQ(conv->type_name(), "Conv2d");
  EXPECT_EQ(param_shapes(*conv),
            (std::vector<std::pair<std::string, Shape>>{{"weight", {6, 3, 5, 5}}, {"bias", {6}}}));
  Conv2d grouped(4, 6, {3, 2}, {.groups = 2, .bias = false});
  EXPECT_EQ(param_shapes(*grouped), (std::vector<std::pair<std::string, Shape>>{{"weight", {6, 2, 3, 2}}}));
  EXPECT_FALSE(grouped->bias.defined());
  const StateDict sd = conv->state_dict();
  EXPECT_EQ(sd.size(), 2u);
  EXPECT_TRUE(sd.count("weight") && sd.count("bias"));
}

TEST(Conv2dLayer, DefaultInitialisationBounds) {
  // kaiming_uniform(a = sqrt(5)) and the bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  manual_seed(3);
  Conv2d conv(8, 16, 3);
  const double bound = 1.0 / std::sqrt(8.0 * 9.0);
  EXPECT_LE(max_abs(conv->weight), bound);
  EXPECT_GT(max_abs(conv->weight), 0.9 * bound);
  EXPECT_LE(max_abs(conv->bias), bound);
  EXPECT_GT(max_abs(conv->bias), 0.5 * bound);
  EXPECT_TRUE(conv->weight.requires_grad());
  // Re-drawing changes the values within the same bounds.
  const Tensor before = conv->weight.clone();
  conv->reset_parameters();
  EXPECT_FALSE(equal(before, conv->weight));
  EXPECT_LE(max_abs(conv->weight), bound);
}

TEST(Conv2dLayer, ForwardShapesAndBackward) {
  Conv2d conv(1, 6, 5, {.padding = 2});
  const Tensor y = conv(randn({2, 1, 28, 28}));
  EXPECT_EQ(y.shape(), Shape({2, 6, 28, 28}));
  y.sum().backward();
  EXPECT_EQ(conv->weight.grad().shape(), Shape({6, 1, 5, 5}));
  EXPECT_EQ(conv->bias.grad().shape(), Shape({6}));
  Conv2d same(2, 3, 4, {.padding = "same", .dilation = 2});
  EXPECT_EQ(same(randn({1, 2, 7, 9})).shape(), Shape({1, 3, 7, 9}));
  Conv2d strided(2, 3, 3, {.stride = {2, 1}, .padding = {1, 0}});
  EXPECT_EQ(strided(randn({1, 2, 7, 9})).shape(), Shape({1, 3, 4, 7}));
  Conv2d depthwise(4, 8, 3, {.padding = 1, .groups = 4});
  EXPECT_EQ(depthwise(randn({2, 4, 5, 5})).shape(), Shape({2, 8, 5, 5}));
}

TEST(Conv2dLayer, ConvertsToF64) {
  Conv2d conv(2, 3, 3);
  conv->to(kFloat64);
  const Tensor x = randn({1, 2, 4, 4}, {.dtype = kFloat64});
  const Tensor y = conv(x);
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_TRUE(allclose(y, ops::conv2d(x, conv->weight, conv->bias), 1e-12, 1e-12));
}

TEST(Conv2dLayer, Repr) {
  EXPECT_EQ(Conv2d(1, 6, 5)->extra_repr(), "1, 6, kernel_size=(5, 5), stride=(1, 1)");
  EXPECT_EQ(
      Conv2d(4, 8, {3, 1}, {.stride = 2, .padding = {1, 0}, .dilation = {2, 1}, .groups = 2, .bias = false})
          ->extra_repr(),
      "4, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 0), dilation=(2, 1), groups=2, bias=false");
  EXPECT_EQ(Conv2d(2, 2, 3, {.padding = "same"})->extra_repr(),
            "2, 2, kernel_size=(3, 3), stride=(1, 1), padding=same");
}

TEST(Conv2dLayer, Errors) {
  Conv2d conv(3, 4, 3);
  EXPECT_THAT(error_of([&] {
                conv(zeros({2, 4, 5, 5}));
              }),
              HasSubstr("Conv2d: expected input of shape [N, 3, H, W], got [2, 4, 5, 5]"));
  EXPECT_THAT(error_of([&] {
                conv(zeros({3, 5, 5}));
              }),
              HasSubstr("Conv2d: expected input of shape [N, 3, H, W], got [3, 5, 5]"));
  EXPECT_THAT(error_of([&] { conv(zeros({1, 3, 2, 2})); }), HasSubstr("conv2d: input of shape [1, 3, 2, 2]"));
  EXPECT_THAT(error_of([] { Conv2d(3, 4, 3, {.groups = 2}); }),
              HasSubstr("Conv2d: in_channels (3) must be divisible by groups (2)"));
  EXPECT_THAT(error_of([] { Conv2d(4, 3, 3, {.groups = 2}); }),
              HasSubstr("Conv2d: out_channels (3) must be divisible by groups (2)"));
  EXPECT_THAT(
      error_of([] { Conv2d(4, 4, 3, {.stride = 2, .padding = "same"}); }),
      HasSubstr("Conv2d: padding=\"same\" is not supported for strided convolutions (stride (2, 2))"));
  EXPECT_THAT(error_of([] { Conv2d(0, 4, 3); }),
              HasSubstr("Conv2d: in_channels and out_channels must be positive"));
  EXPECT_THAT(error_of([] { Conv2d(1, 4, {0, 3}); }), HasSubstr("Conv2d: kernel_size must be positive"));
}

TEST(Conv1dLayer, ParametersShapesAndErrors) {
  Conv1d conv(3, 4, 5, {.stride = 2, .padding = 2});
  EXPECT_EQ(param_shapes(*conv),
            (std::vector<std::pair<std::string, Shape>>{{"weight", {4, 3, 5}}, {"bias", {4}}}));
  EXPECT_LE(max_abs(conv->weight), 1.0 / std::sqrt(15.0));
  EXPECT_EQ(conv(randn({2, 3, 11})).shape(), Shape({2, 4, 6}));
  EXPECT_EQ(Conv1d(2, 2, 4, {.padding = "same"})(randn({1, 2, 9})).shape(), Shape({1, 2, 9}));
  EXPECT_EQ(conv->extra_repr(), "3, 4, kernel_size=(5,), stride=(2,), padding=(2,)");
  EXPECT_THAT(error_of([&] {
                conv(zeros({2, 3, 4, 4}));
              }),
              HasSubstr("Conv1d: expected input of shape [N, 3, L], got [2, 3, 4, 4]"));
  EXPECT_THAT(error_of([] { Conv1d(2, 2, 3, {.stride = 2, .padding = "same"}); }),
              HasSubstr("Conv1d: padding=\"same\" is not supported for strided convolutions"));
}

TEST(ConvTranspose2dLayer, ParametersShapesAndErrors) {
  manual_seed(5);
  ConvTranspose2d up(8, 4, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2});
  EXPECT_EQ(up->type_name(), "ConvTranspose2d");
  EXPECT_EQ(param_shapes(*up),
            (std::vector<std::pair<std::string, Shape>>{{"weight", {8, 2, 3, 3}}, {"bias", {4}}}));
  // PyTorch reads fan_in from the weight: out_channels / groups * kH * kW.
  const double bound = 1.0 / std::sqrt(2.0 * 9.0);
  EXPECT_LE(max_abs(up->weight), bound);
  EXPECT_GT(max_abs(up->weight), 0.8 * bound);
  EXPECT_LE(max_abs(up->bias), bound);
  EXPECT_EQ(up(randn({2, 8, 5, 5})).shape(), Shape({2, 4, 10, 10}));
  EXPECT_EQ(up->extra_repr(),
            "8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2");
  EXPECT_THAT(error_of([&] {
                up(zeros({2, 4, 5, 5}));
              }),
              HasSubstr("ConvTranspose2d: expected input of shape [N, 8, H, W], got [2, 4, 5, 5]"));
  EXPECT_THAT(
      error_of([] { ConvTranspose2d(2, 2, 3, {.stride = 2, .output_padding = 2}); }),
      HasSubstr(
          "ConvTranspose2d: output_padding (2, 2) must be smaller than either stride (2, 2) or dilation"));
}

}  // namespace
}  // namespace strata::nn
