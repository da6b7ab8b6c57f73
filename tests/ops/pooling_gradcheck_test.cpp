// Gradient checks (f64) for max, average and adaptive average pooling over padding, ceil_mode and
// count_include_pad, non-contiguous inputs, and second order (each backward is an op).
#include "strata/ops/pooling.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;
using ops::Size2;

auto max_pool(Size2 k, Size2 s, Size2 p, bool ceil) {
  return [=](const Inputs& v) { return ops::max_pool2d(v[0], k, s, p, ceil); };
}

auto avg_pool(Size2 k, Size2 s, Size2 p, bool ceil, bool include) {
  return [=](const Inputs& v) { return ops::avg_pool2d(v[0], k, s, p, ceil, include); };
}

// Distinct values 0.1 apart in a scrambled order: finite differences never cross a tie in a window.
Tensor distinct_input(const Shape& shape, int64_t seed) {
  const int64_t n = shape.numel();
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = static_cast<double>((i * 7919 + seed) % n) * 0.1 - 1.0;
  return from_vector<double>(v, shape).requires_grad_();
}

TEST(PoolingGradcheck, MaxPool2d) {
  EXPECT_GRADCHECK(max_pool(2, 0, 0, false), distinct_input({2, 2, 4, 4}, 1));
  EXPECT_GRADCHECK(max_pool(3, 2, 1, false), distinct_input({1, 2, 5, 6}, 2));
  EXPECT_GRADCHECK(max_pool(3, 2, 1, true), distinct_input({1, 2, 6, 5}, 3));
  EXPECT_GRADCHECK(max_pool({2, 3}, 1, {1, 0}, false), distinct_input({1, 1, 4, 5}, 4));
}

TEST(PoolingGradcheck, AvgPool2d) {
  EXPECT_GRADCHECK(avg_pool(2, 0, 0, false, true), input({2, 2, 4, 4}, 1));
  EXPECT_GRADCHECK(avg_pool(3, 2, 1, false, true), input({1, 2, 5, 6}, 2));
  EXPECT_GRADCHECK(avg_pool(3, 2, 1, false, false), input({1, 2, 5, 6}, 3));
  EXPECT_GRADCHECK(avg_pool(3, 2, 1, true, true), input({1, 2, 6, 5}, 4));
  EXPECT_GRADCHECK(avg_pool({3, 2}, {1, 2}, {1, 1}, true, false), input({1, 1, 4, 5}, 5));
}

TEST(PoolingGradcheck, AdaptiveAvgPool2d) {
  auto f = [](Size2 out) { return [=](const Inputs& v) { return ops::adaptive_avg_pool2d(v[0], out); }; };
  EXPECT_GRADCHECK(f({2, 3}), input({2, 2, 5, 7}, 1));
  EXPECT_GRADCHECK(f(1), input({1, 3, 3, 4}, 2));
  EXPECT_GRADCHECK(f({4, 3}), input({1, 1, 3, 2}, 3));  // larger than the input
}

TEST(PoolingGradcheck, NonContiguous) {
  EXPECT_GRADCHECK(avg_pool(2, 1, 0, false, true), transposed_input({1, 2, 3, 4}, 1));
  EXPECT_GRADCHECK(avg_pool(2, 2, 1, true, false), strided_input({2, 1, 4, 4}, 2));
  auto adaptive = [](const Inputs& v) { return ops::adaptive_avg_pool2d(v[0], 2); };
  EXPECT_GRADCHECK(adaptive, transposed_input({1, 2, 5, 3}, 3));
}

TEST(PoolingGradcheck, Pool1d) {
  auto max1 = [](int64_t k, int64_t s, int64_t p, bool ceil) {
    return [=](const Inputs& v) { return ops::max_pool1d(v[0], k, s, p, ceil); };
  };
  auto avg1 = [](int64_t k, int64_t s, int64_t p, bool ceil, bool include) {
    return [=](const Inputs& v) { return ops::avg_pool1d(v[0], k, s, p, ceil, include); };
  };
  EXPECT_GRADCHECK(max1(2, 0, 0, false), distinct_input({2, 3, 6}, 1));
  EXPECT_GRADCHECK(max1(3, 2, 1, true), distinct_input({1, 2, 8}, 2));
  EXPECT_GRADCHECK(max1(3, 1, 1, false), distinct_input({3, 5}, 3));  // unbatched [C, L]
  EXPECT_GRADCHECK(avg1(2, 0, 0, false, true), input({2, 3, 6}, 1));
  EXPECT_GRADCHECK(avg1(3, 2, 1, false, true), input({2, 2, 7}, 2));
  EXPECT_GRADCHECK(avg1(3, 2, 1, true, false), input({1, 2, 8}, 3));
  EXPECT_GRADCHECK(avg1(4, 3, 2, true, true), input({3, 9}, 4));  // unbatched [C, L]
  // Non-contiguous: [N, C, L] as a transposed [N, L, C], and every other sample of a batch.
  EXPECT_GRADCHECK(avg1(3, 2, 1, false, false), transposed_input({2, 3, 7}, 5));
  EXPECT_GRADCHECK(avg1(2, 1, 1, true, true), strided_input({2, 2, 5}, 6));
  auto max_t = [](const Inputs& v) { return ops::max_pool1d(v[0].transpose(1, 2), 3, 2, 1); };
  EXPECT_GRADCHECK(max_t, distinct_input({2, 7, 3}, 7));
}

// The gradient of sum(pool(x)^2) is differentiated again: pooling backward ops record their own backward.
TEST(PoolingGradcheck, SecondOrder) {
  auto max2 = [](const Inputs& v) {
    const Tensor y = ops::max_pool2d(v[0], 2, 1);
    return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(max2, distinct_input({1, 2, 3, 4}, 1));
  auto avg2 = [](const Inputs& v) {
    const Tensor y = ops::avg_pool2d(v[0], 3, 2, 1, true, true);
    return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(avg2, input({1, 2, 4, 5}, 2));
  auto adaptive2 = [](const Inputs& v) {
    const Tensor y = ops::adaptive_avg_pool2d(v[0], {2, 3});
    return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(adaptive2, input({1, 1, 3, 5}, 3));
  // Third order through max pooling: backward of the backward of the backward.
  auto max3 = [](const Inputs& v) {
    const Tensor y = ops::max_pool2d(v[0], 2);
    const Tensor g = autograd::grad((y * y * y).sum(), {v[0]}, {}, true, true)[0];
    return autograd::grad((g * g).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(max3, distinct_input({1, 1, 4, 4}, 4));
  auto avg1d2 = [](const Inputs& v) {
    const Tensor y = ops::avg_pool1d(v[0], 3, 2, 1);
    return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(avg1d2, input({1, 2, 7}, 5));
  auto max1d2 = [](const Inputs& v) {
    const Tensor y = ops::max_pool1d(v[0], 2, 1);
    return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(max1d2, distinct_input({2, 6}, 6));
}

}  // namespace
}  // namespace strata
