// kernels::conv2d_backward (both gradients in one call, converting the output gradient once where both
// products read it in the same layout) gives exactly what the two separate kernels give.
#include "kernels/bf16.h"
#include "kernels/conv.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/memory_format.h"
#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

using kernels::Conv2dParams;
using kernels::cpu::ConvAlgorithm;
using kernels::cpu::set_conv_algorithm;

Tensor channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

// Runs both ways and expects bit-identical gradients.
void expect_same_as_separate(const Tensor& gy, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  Tensor gw, gb;
  const Tensor gx = kernels::conv2d_backward(gy, x, w, p, &gw, &gb);
  Tensor gb_ref;
  const Tensor gw_ref = kernels::conv2d_backward_weights(gy, x, w.shape(), p, &gb_ref);
  const Tensor gx_ref = kernels::conv2d_backward_data(gy, w, x.shape(), p);
  EXPECT_TRUE(equal(gx, gx_ref));
  EXPECT_EQ(gx.strides(), gx_ref.strides());
  EXPECT_TRUE(equal(gw, gw_ref));
  EXPECT_TRUE(equal(gb, gb_ref));
  Tensor gw_only;
  EXPECT_TRUE(equal(kernels::conv2d_backward(gy, x, w, p, &gw_only), gx_ref));  // no bias gradient asked
  EXPECT_TRUE(equal(gw_only, gw_ref));
}

TEST(ConvBackward, BothGradientsInOneCallMatchTheSeparateKernels) {
  Generator gen(21);
  const Tensor x = randn({3, 16, 10, 9}, {}, &gen);
  const Tensor w = randn({32, 16, 3, 3}, {}, &gen) * 0.1;
  const Tensor gy = randn({3, 32, 10, 9}, {}, &gen);
  Conv2dParams p;
  p.pad_begin = {1, 1};
  p.pad_end = {1, 1};
  for (const ConvAlgorithm a : {ConvAlgorithm::kDirect, ConvAlgorithm::kWinograd}) {
    set_conv_algorithm(a);
    expect_same_as_separate(gy, x, w, p);                                // NCHW
    expect_same_as_separate(channels_last(gy), channels_last(x), w, p);  // channels-last
    if (kernels::bf16_supported(x.device())) {
      Conv2dParams mixed = p;
      mixed.compute = kBFloat16;
      expect_same_as_separate(channels_last(gy), channels_last(x), w, mixed);
    }
    set_conv_algorithm(ConvAlgorithm::kAuto);
  }
  // Other cases (f64 here) run the separate kernels.
  expect_same_as_separate(gy.to(kFloat64), x.to(kFloat64), w.to(kFloat64), p);
}

TEST(ConvBackward, RejectsAGradientOfTheWrongShape) {
  const Tensor x = randn({2, 4, 6, 6});
  const Tensor w = randn({8, 4, 3, 3});
  Tensor gw;
  EXPECT_THROW(kernels::conv2d_backward(randn({2, 8, 5, 5}), x, w, Conv2dParams{}, &gw), Error);
}

}  // namespace
}  // namespace strata
