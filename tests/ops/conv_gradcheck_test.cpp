// Gradient checks (f64, reference loops) for conv2d, conv1d and conv_transpose2d w.r.t. input, weight
// and bias, over stride / padding / dilation / groups, non-contiguous inputs, and second order (the
// backward rules are convolutions themselves).
#include "strata/ops/conv.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;
using ops::Padding2;
using ops::Size2;

auto conv2d(Size2 s, Padding2 p, Size2 d, int64_t g) {
  return [=](const Inputs& v) { return ops::conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), s, p, d, g); };
}

TEST(ConvGradcheck, Conv2dBasic) {
  EXPECT_GRADCHECK(conv2d(1, 0, 1, 1), input({2, 2, 4, 5}, 1), input({3, 2, 3, 3}, 2), input({3}, 3));
  EXPECT_GRADCHECK(conv2d(1, 1, 1, 1), input({1, 2, 4, 4}, 1), input({2, 2, 3, 3}, 2));
}

TEST(ConvGradcheck, Conv2dStridePaddingDilation) {
  EXPECT_GRADCHECK(conv2d(2, 1, 1, 1), input({2, 2, 5, 6}, 1), input({2, 2, 3, 3}, 2), input({2}, 3));
  EXPECT_GRADCHECK(conv2d({2, 3}, {1, 0}, 1, 1), input({1, 2, 6, 7}, 1), input({2, 2, 3, 2}, 2),
                   input({2}, 3));
  EXPECT_GRADCHECK(conv2d(1, {2, 1}, {2, 1}, 1), input({1, 2, 5, 4}, 1), input({2, 2, 3, 3}, 2),
                   input({2}, 3));
}

TEST(ConvGradcheck, Conv2dGroupsAndDepthwise) {
  EXPECT_GRADCHECK(conv2d(1, 1, 1, 2), input({1, 4, 4, 4}, 1), input({2, 2, 3, 3}, 2), input({2}, 3));
  EXPECT_GRADCHECK(conv2d(1, 1, 1, 3), input({2, 3, 4, 4}, 1), input({3, 1, 3, 3}, 2), input({3}, 3));
  EXPECT_GRADCHECK(conv2d(2, 0, 1, 2), input({1, 2, 5, 5}, 1), input({4, 1, 2, 2}, 2));
}

TEST(ConvGradcheck, Conv2dSamePadding) {
  EXPECT_GRADCHECK(conv2d(1, "same", 1, 1), input({1, 2, 4, 5}, 1), input({2, 2, 2, 4}, 2), input({2}, 3));
  EXPECT_GRADCHECK(conv2d(1, "same", {1, 2}, 1), input({1, 1, 5, 5}, 1), input({2, 1, 3, 2}, 2));
}

TEST(ConvGradcheck, Conv2dNonContiguous) {
  EXPECT_GRADCHECK(conv2d(1, 1, 1, 1), transposed_input({1, 2, 4, 5}, 1), input({2, 2, 3, 3}, 2));
  EXPECT_GRADCHECK(conv2d(1, 0, 1, 1), strided_input({2, 2, 4, 4}, 1), strided_input({2, 2, 2, 2}, 2),
                   strided_input({2}, 3));
}

TEST(ConvGradcheck, Conv1d) {
  auto f = [](const Inputs& v) { return ops::conv1d(v[0], v[1], v[2], 2, 1, 2); };
  EXPECT_GRADCHECK(f, input({2, 2, 8}, 1), input({3, 2, 3}, 2), input({3}, 3));
  auto same = [](const Inputs& v) { return ops::conv1d(v[0], v[1], {}, 1, "same", 1, 2); };
  EXPECT_GRADCHECK(same, input({1, 4, 6}, 1), input({2, 2, 4}, 2));
}

TEST(ConvGradcheck, ConvTranspose2d) {
  auto f = [](Size2 s, Size2 p, Size2 op, int64_t g, Size2 d) {
    return [=](const Inputs& v) {
      return ops::conv_transpose2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), s, p, op, g, d);
    };
  };
  EXPECT_GRADCHECK(f(1, 0, 0, 1, 1), input({2, 2, 3, 3}, 1), input({2, 3, 2, 2}, 2), input({3}, 3));
  EXPECT_GRADCHECK(f(2, 1, 1, 1, 1), input({1, 2, 3, 3}, 1), input({2, 2, 3, 3}, 2), input({2}, 3));
  EXPECT_GRADCHECK(f({2, 1}, {0, 1}, {1, 0}, 2, 1), input({1, 4, 2, 3}, 1), input({4, 1, 2, 3}, 2),
                   input({2}, 3));
  // output_padding >= stride (allowed by dilation): rows no input reaches.
  EXPECT_GRADCHECK(f(1, 0, 1, 1, 2), input({1, 2, 3, 3}, 1), input({2, 2, 2, 2}, 2), input({2}, 3));
  EXPECT_GRADCHECK(f(2, 0, 0, 1, 1), transposed_input({1, 2, 3, 2}, 1), input({2, 1, 2, 2}, 2));
}

// d/d(inputs) of the gradient of sum(y^2): exercises the backward of the input- and weight-gradient ops.
TEST(ConvGradcheck, SecondOrderConv2d) {
  auto f = [](const Inputs& v) {
    const Tensor y = ops::conv2d(v[0], v[1], v[2], 2, 1);
    const auto g = autograd::grad((y * y).sum(), {v[0], v[1], v[2]}, {}, true, true);
    return (g[0] * g[0]).sum() + (g[1] * g[1]).sum() + (g[2] * g[2]).sum();
  };
  EXPECT_GRADCHECK(f, input({1, 2, 4, 4}, 1), input({2, 2, 3, 3}, 2), input({2}, 3));
  auto grouped = [](const Inputs& v) {
    const Tensor y = ops::conv2d(v[0], v[1], {}, 1, 1, 1, 2);
    return autograd::grad((y * y * y).sum(), {v[1]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(grouped, input({1, 2, 3, 3}, 1), input({2, 1, 2, 2}, 2));
}

TEST(ConvGradcheck, SecondOrderConvTranspose2d) {
  auto f = [](const Inputs& v) {
    const Tensor y = ops::conv_transpose2d(v[0], v[1], {}, 2, 0, 1);
    const auto g = autograd::grad((y * y).sum(), {v[0], v[1]}, {}, true, true);
    return (g[0] * g[0]).sum() + (g[1] * g[1]).sum();
  };
  EXPECT_GRADCHECK(f, input({1, 2, 2, 3}, 1), input({2, 2, 2, 2}, 2));
}

}  // namespace
}  // namespace strata
