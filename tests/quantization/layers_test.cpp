// Quantised layers against the int8 formula computed in f64: x_q = clamp(round(x / s_in)), w_q from the
// per-channel weight scales, y = sum(x_q * w_q) * s_in * s_w + b (ReLU), u8 outputs round(y / s_out).
#include "strata/quantization/layers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../test_util.h"
#include "strata/nn.h"
#include "strata/strata.h"

namespace strata {
namespace {

using quantization::QuantOptions;

// The activation x quantised as the layer does (f32 product with 1 / scale, round half to even).
double quantized(float x, const QuantOptions& q) {
  const float v = std::nearbyint(x * (1.f / q.input_scale));
  return q.input_signed ? std::clamp(v, -128.f, 127.f) : std::clamp(v, 0.f, 255.f);
}

// Finishes one output value from its integer accumulator.
double finish(double acc, int64_t oc, const std::vector<float>& ws, const float* bias,
              const QuantOptions& q) {
  double y = acc * static_cast<double>(q.input_scale) * ws[static_cast<size_t>(oc)] + (bias ? bias[oc] : 0.0);
  if (q.relu) y = std::max(y, 0.0);
  if (q.output_scale > 0) y = std::clamp(std::nearbyint(y / q.output_scale), 0.0, 255.0);
  return y;
}

std::vector<double> values(const Tensor& t) {
  const Tensor c = t.contiguous();
  std::vector<double> out;
  if (c.dtype() == kUInt8) {
    for (int64_t i = 0; i < c.numel(); ++i) out.push_back(c.data_ptr<uint8_t>()[i]);
  } else {
    for (int64_t i = 0; i < c.numel(); ++i) out.push_back(c.data_ptr<float>()[i]);
  }
  return out;
}

// u8 outputs: integers equal up to a tie rounded the other way; f32 outputs: float rounding only.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, bool u8) {
  ASSERT_EQ(got.size(), want.size());
  int64_t exact = 0;
  double scale = 1e-6;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < got.size(); ++i) {
    if (u8) {
      EXPECT_LE(std::fabs(got[i] - want[i]), 1.0) << "at " << i;
      exact += got[i] == want[i];
    } else {
      EXPECT_NEAR(got[i], want[i], 1e-5 * scale) << "at " << i;
    }
  }
  if (u8) {
    EXPECT_GE(static_cast<double>(exact), 0.99 * static_cast<double>(got.size()));
  }
}

std::vector<float> scales_of(const Tensor& t) {
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
}

void check_conv(int64_t groups, QuantOptions q, bool channels_last_input) {
  manual_seed(3);
  nn::Conv2d conv(4, 6, {3, 3}, {.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}, .groups = groups});
  Tensor x = randn({2, 4, 9, 8});
  if (channels_last_input) x = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  quantization::QuantizedConv2d qc(*conv, q);
  const Tensor y = qc(x);
  ASSERT_EQ(y.dtype(), q.output_scale > 0 ? kUInt8 : kFloat32);
  const Tensor xc = x.contiguous();
  const float* xp = xc.data_ptr<float>();
  const auto* wp = qc->weight_int8();
  const std::vector<float> ws = scales_of(qc->weight_scale);
  const float* bp = conv->bias.data_ptr<float>();
  const int64_t n = 2, ic = 4, ih = 9, iw = 8, oc = 6, icg = ic / groups, ocg = oc / groups;
  const int64_t oh = y.size(2), ow = y.size(3);
  ASSERT_EQ(oh, (9 + 2 - 3) / 2 + 1);
  ASSERT_EQ(ow, (8 + 4 - 5) / 1 + 1);
  std::vector<double> want;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = 0;
          const int64_t g = o / ocg;
          for (int64_t c = 0; c < icg; ++c)
            for (int64_t ki = 0; ki < 3; ++ki)
              for (int64_t kj = 0; kj < 3; ++kj) {
                const int64_t hi = i * 2 - 1 + ki, wj = j - 2 + kj * 2;
                if (hi < 0 || hi >= ih || wj < 0 || wj >= iw) continue;
                acc += quantized(xp[((b * ic + g * icg + c) * ih + hi) * iw + wj], q) *
                       wp[((o * icg + c) * 3 + ki) * 3 + kj];
              }
          want.push_back(finish(acc, o, ws, bp, q));
        }
  expect_close(values(y), want, q.output_scale > 0);
}

TEST(QuantizedConv2d, MatchesTheFormulaWithF32Output) {
  check_conv(1, {.input_scale = 0.03f, .input_signed = true, .relu = false, .output_scale = 0.f}, false);
}

TEST(QuantizedConv2d, MatchesTheFormulaWithReluAndU8Output) {
  check_conv(1, {.input_scale = 0.03f, .input_signed = true, .relu = true, .output_scale = 0.02f}, true);
}

TEST(QuantizedConv2d, MatchesTheFormulaWithGroupsAndU8Input) {
  check_conv(2, {.input_scale = 0.012f, .input_signed = false, .relu = true, .output_scale = 0.f}, false);
}

TEST(QuantizedConv2d, TakesU8InputFromAnotherInt8Layer) {
  manual_seed(4);
  nn::Conv2d conv(3, 5, {3, 3}, {.padding = 1});
  const QuantOptions q{.input_scale = 0.02f, .input_signed = false, .relu = true, .output_scale = 0.f};
  quantization::QuantizedConv2d qc(*conv, q);
  const Tensor x = ops::relu(randn({2, 3, 6, 6}));
  quantization::Quantize quant(0.02f, false);
  const Tensor from_u8 = qc(quant(x));
  const Tensor from_f32 = qc(x);
  EXPECT_EQ(values(from_u8), values(from_f32));
}

// The fused 2x2 max pool (phase decomposition): the formula for every convolution output, then the max of
// each 2x2 window (an odd last row or column dropped, as MaxPool2d does).
void check_conv_pool(int64_t ic, int64_t oc, int64_t k, int64_t pad, int64_t ih, int64_t iw, QuantOptions q,
                     bool channels_last_input) {
  manual_seed(6);
  nn::Conv2d conv(ic, oc, {k, k}, {.padding = pad});
  Tensor x = randn({3, ic, ih, iw});
  if (!q.input_signed) x = ops::relu(x);
  if (channels_last_input) x = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  q.max_pool = true;
  quantization::QuantizedConv2d qc(*conv, q);
  const Tensor y = qc(x);
  const int64_t oh = ih + 2 * pad - k + 1, ow = iw + 2 * pad - k + 1;
  ASSERT_EQ(y.shape(), Shape({3, oc, oh / 2, ow / 2}));
  ASSERT_EQ(y.dtype(), q.output_scale > 0 ? kUInt8 : kFloat32);
  const Tensor xc = x.contiguous();
  const float* xp = xc.data_ptr<float>();
  const auto* wp = qc->weight_int8();
  const std::vector<float> ws = scales_of(qc->weight_scale);
  const float* bp = conv->bias.data_ptr<float>();
  auto out = [&](int64_t b, int64_t o, int64_t i, int64_t j) {
    double acc = 0;
    for (int64_t c = 0; c < ic; ++c)
      for (int64_t ki = 0; ki < k; ++ki)
        for (int64_t kj = 0; kj < k; ++kj) {
          const int64_t hi = i - pad + ki, wj = j - pad + kj;
          if (hi < 0 || hi >= ih || wj < 0 || wj >= iw) continue;
          acc += quantized(xp[((b * ic + c) * ih + hi) * iw + wj], q) * wp[((o * ic + c) * k + ki) * k + kj];
        }
    return finish(acc, o, ws, bp, q);
  };
  std::vector<double> want;
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh / 2; ++i)
        for (int64_t j = 0; j < ow / 2; ++j)
          want.push_back(std::max(std::max(out(b, o, 2 * i, 2 * j), out(b, o, 2 * i, 2 * j + 1)),
                                  std::max(out(b, o, 2 * i + 1, 2 * j), out(b, o, 2 * i + 1, 2 * j + 1))));
  expect_close(values(y), want, q.output_scale > 0);
  // The same values as the unfused int8 layer followed by the pool, exactly.
  q.max_pool = false;
  quantization::QuantizedConv2d plain(*conv, q);
  const std::vector<double> full = values(plain(x));
  std::vector<double> pooled;
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh / 2; ++i)
        for (int64_t j = 0; j < ow / 2; ++j) {
          auto at = [&](int64_t r, int64_t c) {
            return full[static_cast<size_t>(((b * oc + o) * oh + r) * ow + c)];
          };
          pooled.push_back(std::max(std::max(at(2 * i, 2 * j), at(2 * i, 2 * j + 1)),
                                    std::max(at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1))));
        }
  EXPECT_EQ(values(y), pooled);
}

TEST(QuantizedConv2d, FusedMaxPoolMatchesTheFormulaOnOneInputChannel) {
  // LeNet-5's first layer: 1 input channel, 5x5, padding 2, ReLU, u8 output for the next int8 layer.
  check_conv_pool(1, 6, 5, 2, 12, 10,
                  {.input_scale = 0.02f, .input_signed = true, .relu = true, .output_scale = 0.03f}, false);
}

TEST(QuantizedConv2d, FusedMaxPoolMatchesTheFormulaWithF32OutputAndOddConvOutput) {
  // An even kernel (4x4) gives an odd convolution output (11x9): the last row and column are dropped.
  check_conv_pool(3, 5, 4, 2, 10, 8,
                  {.input_scale = 0.03f, .input_signed = true, .relu = false, .output_scale = 0.f}, true);
  check_conv_pool(6, 16, 5, 0, 14, 14,
                  {.input_scale = 0.015f, .input_signed = false, .relu = true, .output_scale = 0.f}, false);
}

TEST(QuantizedConv2d, FusedMaxPoolTakesU8InputAndRejectsOddInputs) {
  manual_seed(7);
  nn::Conv2d conv(2, 4, {3, 3}, {.padding = 2});
  const QuantOptions q{
      .input_scale = 0.02f, .input_signed = false, .relu = true, .output_scale = 0.f, .max_pool = true};
  quantization::QuantizedConv2d qc(*conv, q);
  const Tensor x = ops::relu(randn({2, 2, 8, 6}));
  quantization::Quantize quant(0.02f, false);
  EXPECT_EQ(values(qc(quant(x))), values(qc(x)));
  EXPECT_THROW(qc(randn({2, 2, 7, 6})), Error);
  nn::Conv2d strided(2, 4, {3, 3}, {.stride = 2, .padding = 2});
  EXPECT_THROW(quantization::QuantizedConv2d(*strided, q), Error);
  nn::Conv2d odd_pad(2, 4, {3, 3}, {.padding = 1});
  EXPECT_THROW(quantization::QuantizedConv2d(*odd_pad, q), Error);
}

TEST(QuantizedConv2dAdd, AddsTheShortcutBeforeTheRelu) {
  // relu(conv(x) + shortcut) in one kernel equals the int8 convolution, then the f32 add and ReLU.
  manual_seed(8);
  nn::Conv2d conv(4, 6, {3, 3}, {.padding = 1});
  QuantOptions q{.input_scale = 0.02f, .input_signed = false, .relu = false, .output_scale = 0.f};
  quantization::QuantizedConv2d plain(*conv, q);
  q.residual = true;
  q.relu = true;
  auto fused_conv = std::make_shared<quantization::QuantizedConv2dImpl>(*conv, q);
  for (int64_t branch : {0, 1}) {
    quantization::QuantizedConv2dAdd join(fused_conv, branch);
    const Tensor x = ops::relu(randn({2, 4, 7, 5}));
    const Tensor shortcut = randn({2, 6, 7, 5});  // NCHW, while the output is channels-last
    const Tensor y =
        branch == 0 ? join(std::vector<Tensor>{x, shortcut}) : join(std::vector<Tensor>{shortcut, x});
    const std::vector<double> got = values(y), want = values(ops::relu(plain(x) + shortcut));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-5 * (1 + std::fabs(want[i]))) << i;
  }
  // Without its shortcut, or given one without quant.residual, the layer says what is wrong.
  EXPECT_THROW(fused_conv->forward(randn({2, 4, 7, 5})), Error);
  EXPECT_THROW(plain->forward_add(randn({2, 4, 7, 5}), randn({2, 6, 7, 5})), Error);
  EXPECT_THROW(fused_conv->forward_add(randn({2, 4, 7, 5}), randn({2, 6, 7, 4})), Error);
}

void check_linear(QuantOptions q) {
  manual_seed(5);
  nn::Linear lin(37, 19);
  quantization::QuantizedLinear ql(*lin, q);
  const Tensor x = randn({11, 37});
  const Tensor y = ql(x);
  const float* xp = x.data_ptr<float>();
  const std::vector<float> ws = scales_of(ql->weight_scale);
  std::vector<double> want;
  for (int64_t i = 0; i < 11; ++i)
    for (int64_t o = 0; o < 19; ++o) {
      double acc = 0;
      for (int64_t k = 0; k < 37; ++k) acc += quantized(xp[i * 37 + k], q) * ql->weight_int8()[o * 37 + k];
      want.push_back(finish(acc, o, ws, lin->bias.data_ptr<float>(), q));
    }
  expect_close(values(y), want, q.output_scale > 0);
}

TEST(QuantizedLinear, MatchesTheFormulaWithF32Output) {
  check_linear({.input_scale = 0.025f, .input_signed = true, .relu = false, .output_scale = 0.f});
}

TEST(QuantizedLinear, MatchesTheFormulaWithReluAndU8Output) {
  check_linear({.input_scale = 0.025f, .input_signed = true, .relu = true, .output_scale = 0.01f});
}

TEST(QuantizedLinear, WeightsArePerChannelSymmetricInt8) {
  manual_seed(6);
  nn::Linear lin(8, 3);
  quantization::QuantizedLinear ql(*lin, QuantOptions{});
  const std::vector<float> ws = scales_of(ql->weight_scale);
  const float* w = lin->weight.data_ptr<float>();
  for (int64_t o = 0; o < 3; ++o) {
    float amax = 0;
    for (int64_t k = 0; k < 8; ++k) amax = std::max(amax, std::fabs(w[o * 8 + k]));
    EXPECT_FLOAT_EQ(ws[static_cast<size_t>(o)], amax / 127.f);
    int max_q = 0;
    for (int64_t k = 0; k < 8; ++k) {
      const int v = ql->weight_int8()[o * 8 + k];
      EXPECT_EQ(v, static_cast<int>(std::nearbyint(w[o * 8 + k] / ws[static_cast<size_t>(o)])));
      max_q = std::max(max_q, std::abs(v));
    }
    EXPECT_EQ(max_q, 127);
  }
}

TEST(QuantizeStubs, RoundTripWithinHalfAStep) {
  const Tensor x = ops::relu(randn({4, 10}));
  quantization::Quantize q(0.01f, false);
  quantization::Dequantize dq(0.01f);
  const Tensor u = q(x);
  EXPECT_EQ(u.dtype(), kUInt8);
  const std::vector<double> back = values(dq(u)), orig = values(x);
  for (size_t i = 0; i < orig.size(); ++i) EXPECT_NEAR(back[i], std::min(orig[i], 2.55), 0.005 + 1e-6);
}

TEST(QuantizedLayers, BadInputsThrowNamingTheLayer) {
  nn::Linear lin(4, 2);
  quantization::QuantizedLinear ql(*lin, QuantOptions{});
  EXPECT_NE(testing::error_of([&] { ql(randn({3, 5})); }).find("QuantizedLinear"), std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              ql(randn({3, 4}, {.dtype = kFloat64}));
            }).find("f32 or u8"),
            std::string::npos);
  nn::Conv2d conv(2, 2, 3);
  quantization::QuantizedConv2d qc(*conv, QuantOptions{});
  EXPECT_NE(testing::error_of([&] { qc(randn({1, 3, 5, 5})); }).find("QuantizedConv2d"), std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              quantization::QuantizedLinearImpl(4, 2, empty({2, 4}), empty({3}), Tensor(), QuantOptions{});
            }).find("weight must hold s8 bits"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              quantization::QuantizedLinear(*lin, QuantOptions{.input_scale = 0.f});
            }).find("input scale must be positive"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
