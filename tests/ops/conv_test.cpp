// Convolutions: hand-computed cases, the f32 oneDNN path against the f64 reference loops (forward and
// all gradients) over stride / padding / dilation / groups / depthwise combinations, "same" padding,
// conv1d, conv_transpose2d, and error messages.
#include "strata/ops/conv.h"

#include <gmock/gmock.h>

#include <functional>
#include <thread>

#include "test_util.h"

namespace strata {
namespace {

using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;
using ops::Padding2;
using ops::Size2;

Tensor f32(const std::vector<float>& v, const Shape& shape) { return from_vector<float>(v, shape); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol) {
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "shape " << got.shape() << " vs " << want.shape();
  const auto g = got.to_vector<double>();
  const auto w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(std::abs(g[i] - w[i]) <= tol * (1.0 + std::abs(w[i]))))
      return ::testing::AssertionFailure() << "element " << i << ": " << g[i] << " vs " << w[i];
  }
  return ::testing::AssertionSuccess();
}

// Runs fn on f64 leaves (the reference loops) and on f32 copies (oneDNN): outputs and every input
// gradient agree within tol.
void expect_f32_matches_f64(const Fn& fn, const Inputs& in64, double tol = 1e-4) {
  Inputs a;
  Inputs b;
  for (const Tensor& t : in64) {
    a.push_back(t.detach().clone().requires_grad_());
    b.push_back(t.detach().to(kFloat32).requires_grad_());
  }
  const Tensor y64 = fn(a);
  const Tensor y32 = fn(b);
  ASSERT_EQ(y32.dtype(), kFloat32);
  EXPECT_TRUE(close(y32, y64, tol)) << "forward";
  Generator gen(7);
  const Tensor g = randn(y64.shape(), {.dtype = kFloat64}, &gen);
  y64.backward(g);
  y32.backward(g.to(kFloat32));
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(close(b[i].grad(), a[i].grad(), tol)) << "gradient of input " << i;
}

Tensor rnd(const Shape& s, uint64_t seed) { return testing::input(s, seed).detach(); }

TEST(Conv2d, HandComputedWindowSums) {
  const Tensor x = arange(16.0).reshape({1, 1, 4, 4});
  const Tensor w = ones({1, 1, 2, 2});
  EXPECT_TRUE(equal(ops::conv2d(x, w), f32({10, 14, 18, 26, 30, 34, 42, 46, 50}, {1, 1, 3, 3})));
  EXPECT_TRUE(equal(ops::conv2d(x, w, ones({1}), 2), f32({11, 19, 43, 51}, {1, 1, 2, 2})));
  // Padding 1 with a 3x3 kernel keeps the size; the corner sees 4 elements.
  const Tensor y = ops::conv2d(x, ones({1, 1, 3, 3}), {}, 1, 1);
  EXPECT_EQ(y.shape(), Shape({1, 1, 4, 4}));
  EXPECT_DOUBLE_EQ(y.at({0, 0, 0, 0}), 0 + 1 + 4 + 5);
  EXPECT_DOUBLE_EQ(y.at({0, 0, 1, 1}), 0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10);
  // Dilation 2: taps 2 apart.
  EXPECT_TRUE(equal(ops::conv2d(x, ones({1, 1, 2, 2}), {}, 1, 0, 2), f32({20, 24, 36, 40}, {1, 1, 2, 2})));
}

TEST(Conv2d, SamePaddingEvenKernelPadsBottomRight) {
  // PyTorch puts the extra row/column of an even kernel's padding at the end.
  const Tensor x = arange(9.0).reshape({1, 1, 3, 3});
  const Tensor y = ops::conv2d(x, ones({1, 1, 2, 2}), {}, 1, "same");
  EXPECT_TRUE(equal(y, f32({8, 12, 7, 20, 24, 13, 13, 15, 8}, {1, 1, 3, 3})));
  // "valid" is no padding.
  EXPECT_EQ(ops::conv2d(x, ones({1, 1, 2, 2}), {}, 1, "valid").shape(), Shape({1, 1, 2, 2}));
  // Odd kernel with dilation: symmetric.
  EXPECT_EQ(
      ops::conv2d(arange(30.0).reshape({1, 1, 5, 6}), ones({1, 1, 3, 2}), {}, 1, "same", {2, 3}).shape(),
      Shape({1, 1, 5, 6}));
}

TEST(Conv2d, GroupsKeepChannelsApart) {
  // Two groups of one channel: each output channel sees only its own input channel.
  const Tensor x = f32({1, 1, 1, 1, 2, 2, 2, 2}, {1, 2, 2, 2});
  const Tensor w = f32({3, 5}, {2, 1, 1, 1});
  EXPECT_TRUE(equal(ops::conv2d(x, w, {}, 1, 0, 1, 2), f32({3, 3, 3, 3, 10, 10, 10, 10}, {1, 2, 2, 2})));
}

TEST(Conv2d, F32MatchesReference) {
  auto conv = [](Size2 s, Padding2 p, Size2 d, int64_t g) {
    return
        [=](const Inputs& v) { return ops::conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), s, p, d, g); };
  };
  expect_f32_matches_f64(conv(1, 0, 1, 1), {rnd({2, 3, 7, 6}, 1), rnd({4, 3, 3, 3}, 2), rnd({4}, 3)});
  // Strides that leave a remainder (the end padding is negative for oneDNN).
  expect_f32_matches_f64(conv({2, 3}, {1, 0}, 1, 1),
                         {rnd({2, 3, 8, 7}, 1), rnd({4, 3, 3, 2}, 2), rnd({4}, 3)});
  expect_f32_matches_f64(conv({2, 2}, 0, 1, 1), {rnd({2, 2, 9, 9}, 1), rnd({3, 2, 2, 2}, 2)});
  expect_f32_matches_f64(conv(1, {2, 1}, {2, 1}, 1),
                         {rnd({2, 3, 7, 6}, 1), rnd({2, 3, 3, 3}, 2), rnd({2}, 3)});
  expect_f32_matches_f64(conv(2, 2, 3, 1), {rnd({1, 2, 11, 10}, 1), rnd({3, 2, 3, 3}, 2), rnd({3}, 3)});
  // Groups, depthwise, depthwise with a channel multiplier.
  expect_f32_matches_f64(conv(1, 1, 1, 2), {rnd({2, 4, 6, 6}, 1), rnd({6, 2, 3, 3}, 2), rnd({6}, 3)});
  expect_f32_matches_f64(conv(1, 1, 1, 4), {rnd({2, 4, 6, 6}, 1), rnd({4, 1, 3, 3}, 2), rnd({4}, 3)});
  expect_f32_matches_f64(conv(2, 1, 1, 4), {rnd({2, 4, 7, 7}, 1), rnd({8, 1, 3, 3}, 2), rnd({8}, 3)});
  expect_f32_matches_f64(conv({1, 2}, {0, 1}, {2, 1}, 3), {rnd({1, 6, 8, 7}, 1), rnd({3, 2, 2, 3}, 2)});
  // "same" with even kernels, 1x1 kernels, a kernel as large as the input.
  expect_f32_matches_f64(conv(1, "same", 1, 1), {rnd({2, 3, 6, 5}, 1), rnd({3, 3, 4, 2}, 2), rnd({3}, 3)});
  expect_f32_matches_f64(conv(1, "same", {2, 3}, 1), {rnd({1, 2, 7, 8}, 1), rnd({2, 2, 2, 4}, 2)});
  expect_f32_matches_f64(conv(1, 0, 1, 1), {rnd({3, 5, 4, 4}, 1), rnd({7, 5, 1, 1}, 2), rnd({7}, 3)});
  expect_f32_matches_f64(conv(1, 0, 1, 1), {rnd({2, 2, 3, 4}, 1), rnd({3, 2, 3, 4}, 2), rnd({3}, 3)});
}

TEST(Conv2d, LargerProblemMatchesReference) {
  // LeNet's first two layers at a small batch: enough work for oneDNN's threaded kernels.
  auto conv = [](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2], 1, 2); };
  expect_f32_matches_f64(conv, {rnd({4, 1, 28, 28}, 1), rnd({6, 1, 5, 5}, 2), rnd({6}, 3)}, 2e-4);
  auto conv2 = [](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2]); };
  expect_f32_matches_f64(conv2, {rnd({4, 6, 14, 14}, 1), rnd({16, 6, 5, 5}, 2), rnd({16}, 3)}, 2e-4);
  // Enough channels for oneDNN's blocked layouts (reordered from and to NCHW), with groups and depthwise.
  auto grouped = [](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2], {2, 1}, {1, 2}, {1, 2}, 2); };
  expect_f32_matches_f64(grouped, {rnd({2, 16, 9, 8}, 1), rnd({24, 8, 3, 3}, 2), rnd({24}, 3)}, 2e-4);
  auto depthwise = [](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2], 2, 1, 1, 16); };
  expect_f32_matches_f64(depthwise, {rnd({2, 16, 9, 9}, 1), rnd({16, 1, 3, 3}, 2), rnd({16}, 3)}, 2e-4);
  auto pointwise = [](const Inputs& v) { return ops::conv2d(v[0], v[1], {}); };
  expect_f32_matches_f64(pointwise, {rnd({2, 16, 5, 5}, 1), rnd({32, 16, 1, 1}, 2)}, 2e-4);
  auto transposed = [](const Inputs& v) { return ops::conv_transpose2d(v[0], v[1], v[2], 2, 1, 1); };
  expect_f32_matches_f64(transposed, {rnd({2, 16, 4, 4}, 1), rnd({16, 8, 3, 3}, 2), rnd({8}, 3)}, 2e-4);
}

TEST(Conv2d, NonContiguousOperands) {
  const Tensor base = rnd({2, 5, 6, 3}, 1);
  const Tensor x = base.permute({0, 3, 1, 2});  // [2, 3, 5, 6], channels-last memory
  const Tensor w = rnd({4, 3, 3, 3}, 2).transpose(2, 3);
  const Tensor want = ops::conv2d(x.contiguous(), w.contiguous(), {}, 1, 1);
  EXPECT_TRUE(allclose(ops::conv2d(x, w, {}, 1, 1), want, 1e-12, 1e-12));
  EXPECT_TRUE(allclose(ops::conv2d(x.to(kFloat32), w.to(kFloat32), {}, 1, 1), want.to(kFloat32), 1e-4, 1e-4));
}

TEST(Conv2d, ConcurrentCallsShareTheCache) {
  // Primitives are created once per shape and shared by threads calling at the same time.
  const Tensor x = rnd({2, 8, 9, 9}, 1).to(kFloat32);
  const Tensor w = rnd({8, 8, 3, 3}, 2).to(kFloat32);
  const Tensor want = ops::conv2d(x, w, {}, 1, 1);
  std::vector<Tensor> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      const int64_t k = static_cast<int64_t>(i % 2) + 1;  // two shapes, created concurrently
      for (int r = 0; r < 5; ++r) got[i] = ops::conv2d(x, w.narrow(2, 0, 3 - k + 1), {}, 1, 1);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < got.size(); ++i) {
    const int64_t k = static_cast<int64_t>(i % 2) + 1;
    EXPECT_TRUE(equal(got[i], ops::conv2d(x, w.narrow(2, 0, 3 - k + 1), {}, 1, 1)));
  }
  EXPECT_TRUE(equal(got[0], want));
}

TEST(Conv2d, NoGradientRequestedRecordsNothing) {
  const Tensor y = ops::conv2d(rnd({1, 1, 4, 4}, 1), rnd({1, 1, 3, 3}, 2));
  EXPECT_FALSE(y.requires_grad());
  Tensor w = rnd({1, 1, 3, 3}, 2).requires_grad_();
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(ops::conv2d(rnd({1, 1, 4, 4}, 1), w).requires_grad());
  }
  EXPECT_TRUE(ops::conv2d(rnd({1, 1, 4, 4}, 1), w).requires_grad());
}

TEST(Conv1d, HandComputedAndMatchesConv2d) {
  const Tensor x = f32({1, 2, 3, 4, 5}, {1, 1, 5});
  EXPECT_TRUE(equal(ops::conv1d(x, f32({1, -1}, {1, 1, 2})), f32({-1, -1, -1, -1}, {1, 1, 4})));
  EXPECT_TRUE(equal(ops::conv1d(x, f32({1, 1}, {1, 1, 2}), f32({10}, {1}), 1, "same"),
                    f32({13, 15, 17, 19, 15}, {1, 1, 5})));
  auto conv = [](const Inputs& v) { return ops::conv1d(v[0], v[1], v[2], 2, 1, 2); };
  expect_f32_matches_f64(conv, {rnd({2, 3, 10}, 1), rnd({5, 3, 3}, 2), rnd({5}, 3)});
  auto grouped = [](const Inputs& v) { return ops::conv1d(v[0], v[1], {}, 1, "same", 1, 2); };
  expect_f32_matches_f64(grouped, {rnd({2, 4, 9}, 1), rnd({6, 2, 4}, 2)});
}

TEST(ConvTranspose2d, HandComputed) {
  const Tensor x = f32({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor w = ones({1, 1, 2, 2});
  EXPECT_TRUE(equal(ops::conv_transpose2d(x, w, {}, 2),
                    f32({1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, {1, 1, 4, 4})));
  EXPECT_TRUE(
      equal(ops::conv_transpose2d(x, w, f32({1}, {1})), f32({2, 4, 3, 5, 11, 7, 4, 8, 5}, {1, 1, 3, 3})));
  // output_padding adds a row and column that only the bias reaches.
  const Tensor y = ops::conv_transpose2d(x, w, f32({0.5}, {1}), 2, 0, 1);
  EXPECT_EQ(y.shape(), Shape({1, 1, 5, 5}));
  EXPECT_DOUBLE_EQ(y.at({0, 0, 4, 4}), 0.5);
  EXPECT_DOUBLE_EQ(y.at({0, 0, 3, 3}), 4.5);
}

TEST(ConvTranspose2d, F32MatchesReference) {
  auto convt = [](Size2 s, Size2 p, Size2 op, int64_t g, Size2 d) {
    return [=](const Inputs& v) {
      return ops::conv_transpose2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), s, p, op, g, d);
    };
  };
  expect_f32_matches_f64(convt(1, 0, 0, 1, 1), {rnd({2, 4, 3, 3}, 1), rnd({4, 3, 3, 3}, 2), rnd({3}, 3)});
  expect_f32_matches_f64(convt(2, 1, 1, 1, 1), {rnd({2, 4, 3, 4}, 1), rnd({4, 3, 3, 3}, 2), rnd({3}, 3)});
  expect_f32_matches_f64(convt({2, 3}, {0, 1}, {1, 2}, 1, 1), {rnd({1, 2, 3, 3}, 1), rnd({2, 3, 2, 3}, 2)});
  expect_f32_matches_f64(convt(2, 1, 0, 2, 1), {rnd({2, 4, 3, 3}, 1), rnd({4, 3, 4, 4}, 2), rnd({6}, 3)});
  // output_padding at least the stride (allowed by dilation): rows no input reaches.
  expect_f32_matches_f64(convt(1, 0, 1, 1, 2), {rnd({1, 2, 4, 4}, 1), rnd({2, 3, 3, 3}, 2), rnd({3}, 3)});
  expect_f32_matches_f64(convt(2, 0, 2, 1, 3), {rnd({1, 2, 3, 3}, 1), rnd({2, 2, 2, 2}, 2)});
}

TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  // <conv(x, w), y> == <x, conv_transpose(y, w)>.
  const Tensor x = rnd({2, 3, 7, 7}, 1);
  const Tensor w = rnd({4, 3, 3, 3}, 2);
  const Tensor y = rnd({2, 4, 4, 4}, 3);
  const double lhs = (ops::conv2d(x, w, {}, 2, 1) * y).sum().item();
  const double rhs = (x * ops::conv_transpose2d(y, w, {}, 2, 1, 0)).sum().item();
  EXPECT_NEAR(lhs, rhs, 1e-10 * std::abs(lhs));
}

TEST(Conv, ErrorMessagesNameOpAndShapes) {
  const Tensor x = zeros({2, 3, 5, 5});
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of([&] {
                ops::conv2d(zeros({3, 5, 5}), zeros({4, 3, 3, 3}));
              }),
              HasSubstr("conv2d: expected input of shape [N, C_in, H, W], got [3, 5, 5]"));
  EXPECT_THAT(
      error_of([&] {
        ops::conv2d(x, zeros({4, 2, 3, 3}));
      }),
      HasSubstr("conv2d: input of shape [2, 3, 5, 5] has 3 channels, but weight of shape [4, 2, 3, 3] with "
                "groups=1 expects 2"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 3, 3}), zeros({3}));
              }),
              HasSubstr("conv2d: expected bias of shape [4], got [3]"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 3, 3}, {.dtype = kFloat64}));
              }),
              HasSubstr("conv2d: input dtype f32 and weight dtype f64 differ"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 7, 7}));
              }),
              HasSubstr("conv2d: input of shape [2, 3, 5, 5] (padded size 5x5) is smaller than the kernel"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 3, 3}), {}, 2, "same");
              }),
              HasSubstr("conv2d: padding=\"same\" is not supported for strided convolutions"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 3, 3}), {}, 0);
              }),
              HasSubstr("conv2d: stride must be >= 1"));
  EXPECT_THAT(
      error_of([&] {
        ops::conv2d(zeros({2, 2, 5, 5}), zeros({3, 1, 3, 3}), {}, 1, 0, 1, 2);
      }),
      HasSubstr("conv2d: weight of shape [3, 1, 3, 3] has 3 output channels, not divisible by groups (2)"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(zeros({2, 3, 5, 5}, {.dtype = kInt64}), zeros({4, 3, 3, 3}));
              }),
              HasSubstr("conv2d: expected a floating input"));
  EXPECT_THAT(error_of([&] {
                ops::conv2d(x, zeros({4, 3, 3, 3}), {}, 1, ops::Padding2::from_mode("full"));
              }),
              HasSubstr("padding: expected \"same\", \"valid\" or numbers, got \"full\""));
  EXPECT_THAT(error_of([&] {
                ops::conv1d(x, zeros({4, 3, 3}));
              }),
              HasSubstr("conv1d: expected input of shape [N, C_in, L], got [2, 3, 5, 5]"));
  EXPECT_THAT(
      error_of([&] {
        ops::conv_transpose2d(x, zeros({2, 3, 3, 3}));
      }),
      HasSubstr("conv_transpose2d: input of shape [2, 3, 5, 5] has 3 channels, but weight of shape [2, 3, 3, "
                "3] expects 2"));
  EXPECT_THAT(
      error_of([&] {
        ops::conv_transpose2d(x, zeros({3, 3, 3, 3}), {}, 2, 0, 2);
      }),
      HasSubstr("conv_transpose2d: output_padding (2, 2) must be smaller than either stride (2, 2) or "
                "dilation (1, 1)"));
}

}  // namespace
}  // namespace strata
