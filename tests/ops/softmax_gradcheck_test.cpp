// Gradient checks for softmax and log-softmax along every dim, on contiguous and non-contiguous inputs,
// plus second-order checks (the backward rules are ops, so they differentiate again).
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(SoftmaxGradcheck, Softmax) {
  for (int64_t dim : {0, 1, 2, -1, -2}) {
    SCOPED_TRACE(dim);
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::softmax(x[0], dim); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::softmax(x[0], dim); }, transposed_input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::softmax(x[0], dim); }, strided_input({2, 3, 4}));
  }
  // Large inputs keep finite, correct gradients.
  EXPECT_GRADCHECK([](const Inputs& x) { return F::softmax(x[0] * 1.0 + 1000.0, 1); }, input({3, 4}));
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].softmax(0); }, input({5}));
}

TEST(SoftmaxGradcheck, LogSoftmax) {
  for (int64_t dim : {0, 1, 2, -1, -3}) {
    SCOPED_TRACE(dim);
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::log_softmax(x[0], dim); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::log_softmax(x[0], dim); }, transposed_input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::log_softmax(x[0], dim); }, strided_input({2, 3, 4}));
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].log_softmax(-1) - 1000.0; }, input({3, 4}, 2));
}

TEST(SoftmaxGradcheck, ComposedWithOtherOps) {
  // A loss-like use: weighted log-probabilities of a product (both inputs get gradients).
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return F::sum(F::log_softmax(x[0] * x[1], 1) * F::softmax(x[1], 1), {1}); },
      input({3, 4}, 1), transposed_input({3, 4}, 2));
}

// The gradient of sum(w * f(x)) with a graph, so its own gradient can be checked.
Tensor grad_of(Tensor (*f)(const Tensor&, int64_t), const Tensor& x, int64_t dim) {
  Tensor y = f(x, dim);
  Tensor w = arange(static_cast<double>(y.numel()), {.dtype = kFloat64}).reshape(y.shape()) * 0.25 - 1.0;
  return autograd::grad(F::sum(y * w), {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

TEST(SoftmaxGradcheck, SecondOrder) {
  for (int64_t dim : {0, -1}) {
    SCOPED_TRACE(dim);
    EXPECT_GRADCHECK([&](const Inputs& x) { return grad_of(F::softmax, x[0], dim); }, input({3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return grad_of(F::log_softmax, x[0], dim); },
                     transposed_input({3, 4}));
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return grad_of(F::softmax, x[0], 1); }, strided_input({2, 3, 2}));
}

}  // namespace
}  // namespace strata
