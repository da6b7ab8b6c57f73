// Pooling: hand-computed windows (padding, ceil_mode, count_include_pad, adaptive windows), the f32
// oneDNN path against the f64 loops (forward and gradients), and error messages.
#include "strata/ops/pooling.h"

#include <gmock/gmock.h>

#include <functional>

#include "test_util.h"

namespace strata {
namespace {

using Inputs = std::vector<Tensor>;
using Fn = std::function<Tensor(const Inputs&)>;
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

// Runs fn on f64 leaves (loops) and on f32 copies (oneDNN): outputs and input gradients agree.
void expect_f32_matches_f64(const Fn& fn, const Tensor& x64, double tol = 1e-5) {
  const Tensor a = x64.detach().clone().requires_grad_();
  const Tensor b = x64.detach().to(kFloat32).requires_grad_();
  const Tensor y64 = fn({a});
  const Tensor y32 = fn({b});
  ASSERT_EQ(y32.dtype(), kFloat32);
  EXPECT_TRUE(close(y32, y64, tol)) << "forward";
  Generator gen(7);
  const Tensor g = randn(y64.shape(), {.dtype = kFloat64}, &gen);
  y64.backward(g);
  y32.backward(g.to(kFloat32));
  EXPECT_TRUE(close(b.grad(), a.grad(), tol)) << "gradient";
}

Tensor rnd(const Shape& s, uint64_t seed) { return testing::input(s, seed).detach(); }

TEST(MaxPool2d, HandComputed) {
  const Tensor x = arange(16.0).reshape({1, 1, 4, 4});
  EXPECT_TRUE(equal(ops::max_pool2d(x, 2), f32({5, 7, 13, 15}, {1, 1, 2, 2})));
  EXPECT_TRUE(equal(ops::max_pool2d(x, 3, 2, 1), f32({5, 7, 13, 15}, {1, 1, 2, 2})));
  EXPECT_TRUE(equal(ops::max_pool2d(x, 2, 1), f32({5, 6, 7, 9, 10, 11, 13, 14, 15}, {1, 1, 3, 3})));
  // ceil_mode keeps the partial window at the end.
  const Tensor x5 = arange(25.0).reshape({1, 1, 5, 5});
  EXPECT_EQ(ops::max_pool2d(x5, 2).shape(), Shape({1, 1, 2, 2}));
  EXPECT_TRUE(
      equal(ops::max_pool2d(x5, 2, 2, 0, true), f32({6, 8, 9, 16, 18, 19, 21, 23, 24}, {1, 1, 3, 3})));
  // Padding never wins, even against negative values.
  EXPECT_TRUE(equal(ops::max_pool2d(full({1, 1, 2, 2}, -3.0), 2, 1, 1), full({1, 1, 3, 3}, -3.0)));
}

TEST(MaxPool2d, GradientGoesToTheMaximum) {
  Tensor x = f32({1, 5, 2, 0, 3, 4, 9, 8, 7}, {1, 1, 3, 3}).requires_grad_();
  ops::max_pool2d(x, 2, 1).sum().backward();
  // Windows pick 5, 5, 9, 8: the top-middle element twice.
  EXPECT_TRUE(equal(x.grad(), f32({0, 2, 0, 0, 0, 0, 1, 1, 0}, {1, 1, 3, 3})));
  Tensor x64 = x.detach().to(kFloat64).requires_grad_();
  ops::max_pool2d(x64, 2, 1).sum().backward();
  EXPECT_TRUE(equal(x64.grad(), x.grad().to(kFloat64)));
}

TEST(MaxPool2d, F32MatchesReference) {
  auto pool = [](Size2 k, Size2 s, Size2 p, bool ceil) {
    return [=](const Inputs& v) { return ops::max_pool2d(v[0], k, s, p, ceil); };
  };

  expect_f32_matches_f64(pool(2, 0, 0, false), rnd({2, 3, 8, 8}, 1));
  expect_f32_matches_f64(pool(3, 2, 1, false), rnd({2, 3, 9, 8}, 2));
  expect_f32_matches_f64(pool(3, 2, 1, true), rnd({2, 3, 8, 10}, 3));
  expect_f32_matches_f64(pool({3, 2}, {2, 1}, {1, 0}, true), rnd({1, 2, 7, 6}, 4));
  expect_f32_matches_f64(pool(2, 2, 0, true), rnd({4, 6, 15, 15}, 5));
  expect_f32_matches_f64(pool(2, 2, 0, false), rnd({64, 6, 28, 28}, 6));  // LeNet-sized
}

TEST(AvgPool2d, HandComputed) {
  const Tensor x = arange(16.0).reshape({1, 1, 4, 4});
  EXPECT_TRUE(equal(ops::avg_pool2d(x, 2), f32({2.5, 4.5, 10.5, 12.5}, {1, 1, 2, 2})));
  // The corner window of a padded 3x3 pool covers 0, 1, 4, 5.
  EXPECT_NEAR(ops::avg_pool2d(x, 3, 1, 1).at({0, 0, 0, 0}), 10.0 / 9.0, 1e-6);
  EXPECT_NEAR(ops::avg_pool2d(x, 3, 1, 1, false, false).at({0, 0, 0, 0}), 2.5, 1e-6);
  // ceil_mode: a window hanging past the input divides by what it covers (PyTorch's rule).
  const Tensor y = ops::avg_pool2d(arange(25.0).reshape({1, 1, 5, 5}), 2, 2, 0, true);
  EXPECT_EQ(y.shape(), Shape({1, 1, 3, 3}));
  EXPECT_NEAR(y.at({0, 0, 0, 2}), (4 + 9) / 2.0, 1e-6);
  EXPECT_NEAR(y.at({0, 0, 2, 2}), 24.0, 1e-6);
}

TEST(AvgPool2d, F32MatchesReference) {
  auto pool = [](Size2 k, Size2 s, Size2 p, bool ceil, bool include) {
    return [=](const Inputs& v) { return ops::avg_pool2d(v[0], k, s, p, ceil, include); };
  };

  expect_f32_matches_f64(pool(2, 0, 0, false, true), rnd({2, 3, 8, 8}, 1));
  expect_f32_matches_f64(pool(3, 2, 1, false, true), rnd({2, 3, 9, 8}, 2));
  expect_f32_matches_f64(pool(3, 2, 1, false, false), rnd({2, 3, 9, 8}, 3));
  expect_f32_matches_f64(pool(3, 2, 1, true, true), rnd({2, 3, 8, 10}, 4));  // overhang: loops
  expect_f32_matches_f64(pool(3, 2, 1, true, false), rnd({2, 3, 8, 10}, 5));
  expect_f32_matches_f64(pool({3, 2}, {1, 2}, {1, 1}, true, true), rnd({1, 2, 6, 7}, 6));
}

TEST(AdaptiveAvgPool2d, HandComputedWindowsOverlap) {
  const Tensor x = arange(25.0).reshape({1, 1, 5, 5});
  // Rows [0, 3) and [2, 5): the middle row is in both.
  const Tensor y = ops::adaptive_avg_pool2d(x, 2);
  EXPECT_TRUE(equal(y, f32({6, 8, 16, 18}, {1, 1, 2, 2})));
  EXPECT_TRUE(equal(ops::adaptive_avg_pool2d(x, 1), f32({12}, {1, 1, 1, 1})));
  // Larger output than input repeats elements.
  EXPECT_TRUE(equal(ops::adaptive_avg_pool2d(f32({1, 2}, {1, 1, 1, 2}), {2, 3}),
                    f32({1, 1.5, 2, 1, 1.5, 2}, {1, 1, 2, 3})));
  Tensor xg = arange(25.0).reshape({1, 1, 5, 5}).requires_grad_();
  ops::adaptive_avg_pool2d(xg, 2).sum().backward();
  EXPECT_NEAR(xg.grad().at({0, 0, 2, 2}), 4.0 / 9.0, 1e-6);  // centre: in all four windows
  EXPECT_NEAR(xg.grad().at({0, 0, 0, 0}), 1.0 / 9.0, 1e-6);
}

TEST(AdaptiveAvgPool2d, F32MatchesReference) {
  expect_f32_matches_f64(
      [](const Inputs& v) {
        return ops::adaptive_avg_pool2d(v[0], {3, 4});
      },
      rnd({2, 3, 7, 9}, 1));
  expect_f32_matches_f64([](const Inputs& v) { return ops::adaptive_avg_pool2d(v[0], 1); },
                         rnd({2, 8, 5, 5}, 2));
}

TEST(Pooling, NonContiguousInput) {
  const Tensor x = rnd({2, 6, 5, 3}, 1).permute({0, 3, 1, 2});  // [2, 3, 6, 5]
  EXPECT_TRUE(equal(ops::max_pool2d(x, 2), ops::max_pool2d(x.contiguous(), 2)));
  EXPECT_TRUE(equal(ops::avg_pool2d(x.to(kFloat32), 2), ops::avg_pool2d(x.contiguous().to(kFloat32), 2)));
}

TEST(Pool1d, HandComputedAndViewsOf2d) {
  const Tensor x = arange(8.0).reshape({1, 1, 8});
  EXPECT_TRUE(equal(ops::max_pool1d(x, 2), f32({1, 3, 5, 7}, {1, 1, 4})));
  EXPECT_TRUE(close(ops::avg_pool1d(x, 3, 2, 1), f32({1.0f / 3, 2, 4, 6}, {1, 1, 4}), 1e-6));
  EXPECT_TRUE(close(ops::avg_pool1d(x, 3, 2, 1, false, false), f32({0.5, 2, 4, 6}, {1, 1, 4}), 1e-6));
  // ceil_mode keeps a last window that starts inside the input.
  EXPECT_EQ(ops::max_pool1d(arange(7.0).reshape({1, 1, 7}), 2, 2, 0, true).shape(), Shape({1, 1, 4}));
  // Unbatched [C, L] gives [C, L_out]; the values are the batched ones.
  const Tensor u = rnd({3, 9}, 1);
  EXPECT_TRUE(equal(ops::max_pool1d(u, 3, 2, 1), ops::max_pool1d(u.unsqueeze(0), 3, 2, 1).squeeze(0)));
  EXPECT_EQ(ops::avg_pool1d(u, 3, 2, 1).shape(), Shape({3, 5}));
  // The 2-D kernels over [N, C, 1, L] are the 1-D ones.
  const Tensor b = rnd({2, 3, 10}, 2).to(kFloat32);
  EXPECT_TRUE(
      equal(ops::max_pool1d(b, 4, 3, 2), ops::max_pool2d(b.unsqueeze(2), {1, 4}, {1, 3}, {0, 2}).squeeze(2)));
  EXPECT_TRUE(equal(ops::avg_pool1d(b, 4, 3, 2, true, false),
                    ops::avg_pool2d(b.unsqueeze(2), {1, 4}, {1, 3}, {0, 2}, true, false).squeeze(2)));
  // A non-contiguous input (a transposed [N, L, C]) pools like its contiguous copy.
  const Tensor t = rnd({2, 9, 3}, 3).transpose(1, 2);
  EXPECT_TRUE(equal(ops::avg_pool1d(t, 3), ops::avg_pool1d(t.contiguous(), 3)));
  EXPECT_TRUE(equal(ops::max_pool1d(t, 3, 1), ops::max_pool1d(t.contiguous(), 3, 1)));
  expect_f32_matches_f64([](const Inputs& v) { return ops::avg_pool1d(v[0], 3, 2, 1, true, false); },
                         rnd({2, 4, 11}, 4));
  expect_f32_matches_f64([](const Inputs& v) { return ops::max_pool1d(v[0], 3, 2, 1, true); },
                         rnd({2, 4, 11}, 5));
}

TEST(Pool1d, ErrorMessagesNameOpAndShapes) {
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of([] {
                ops::max_pool1d(zeros({1, 2, 3, 4}), 2);
              }),
              HasSubstr("max_pool1d: expected input of shape [N, C, L] or [C, L], got [1, 2, 3, 4]"));
  EXPECT_THAT(error_of([] { ops::avg_pool1d(zeros({4}), 2); }),
              HasSubstr("avg_pool1d: expected input of shape [N, C, L] or [C, L], got [4]"));
  EXPECT_THAT(error_of([] {
                ops::max_pool1d(zeros({1, 2, 8}), 0);
              }),
              HasSubstr("max_pool1d: kernel_size must be positive, got 0"));
  EXPECT_THAT(error_of([] {
                ops::avg_pool1d(zeros({1, 2, 8}), 2, -1);
              }),
              HasSubstr("avg_pool1d: stride must be positive, got -1"));
  EXPECT_THAT(
      error_of([] {
        ops::max_pool1d(zeros({1, 2, 8}), 3, 1, 2);
      }),
      HasSubstr("max_pool1d: padding should be non-negative and at most half of kernel_size 3, got 2"));
  EXPECT_THAT(
      error_of([] {
        ops::avg_pool1d(zeros({1, 2, 2}), 3);
      }),
      HasSubstr("avg_pool1d: input of shape [1, 2, 2] is too small for kernel_size 3 with padding 0"));
  EXPECT_THAT(error_of([] {
                ops::max_pool1d(zeros({2, 3}, {.dtype = kInt64}), 2);
              }),
              HasSubstr("max_pool1d: expected a floating input, got i64"));
  EXPECT_THAT(error_of([] { ops::max_pool1d(Tensor(), 2); }), HasSubstr("max_pool1d: undefined input"));
}

TEST(Pooling, ErrorMessagesNameOpAndShapes) {
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of([] {
                ops::max_pool2d(zeros({3, 4, 4}), 2);
              }),
              HasSubstr("max_pool2d: expected input of shape [N, C, H, W], got [3, 4, 4]"));
  EXPECT_THAT(error_of([] {
                ops::max_pool2d(zeros({1, 1, 4, 4}), 3, 1, 2);
              }),
              HasSubstr("max_pool2d: padding (2, 2) should be at most half of kernel_size (3, 3)"));
  EXPECT_THAT(error_of([] {
                ops::avg_pool2d(zeros({1, 1, 2, 2}), 3);
              }),
              HasSubstr("avg_pool2d: input of shape [1, 1, 2, 2] is too small for kernel_size (3, 3)"));
  EXPECT_THAT(error_of([] {
                ops::avg_pool2d(zeros({1, 1, 4, 4}), 0);
              }),
              HasSubstr("avg_pool2d: kernel_size must be positive"));
  EXPECT_THAT(error_of([] {
                ops::max_pool2d(zeros({1, 1, 4, 4}, {.dtype = kInt64}), 2);
              }),
              HasSubstr("max_pool2d: expected a floating input, got i64"));
  EXPECT_THAT(error_of([] {
                ops::adaptive_avg_pool2d(zeros({1, 1, 4, 4}), 0);
              }),
              HasSubstr("adaptive_avg_pool2d: output_size must be positive"));
  EXPECT_THAT(error_of([] {
                ops::adaptive_avg_pool2d(zeros({4, 4}), 2);
              }),
              HasSubstr("adaptive_avg_pool2d: expected input of shape [N, C, H, W], got [4, 4]"));
}

}  // namespace
}  // namespace strata
