// Gradient checks for elementwise ops: contiguous, broadcasting and non-contiguous inputs.
#include "test_util.h"

namespace strata {
namespace {

using autograd::gradcheck;
using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(ElementwiseGradcheck, Add) {
  auto f = [](const Inputs& x) { return ops::add(x[0], x[1], 0.5); };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({3}, 2));
  EXPECT_GRADCHECK(f, transposed_input({3, 2}, 1), input({1, 2}, 2));
  // A broadcast (stride-0) view made inside the function.
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::add(x[0].expand({3, 2}), x[1]);
      },
      input({1, 2}, 1), strided_input({3, 2}, 2));
}

TEST(ElementwiseGradcheck, Sub) {
  auto f = [](const Inputs& x) { return ops::sub(x[0], x[1]); };
  EXPECT_GRADCHECK(f, input({4, 1}, 1), input({1, 3}, 2));
  EXPECT_GRADCHECK(f, transposed_input({2, 3}, 1), strided_input({2, 3}, 2));
}

TEST(ElementwiseGradcheck, Mul) {
  auto f = [](const Inputs& x) { return x[0] * x[1]; };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(f, input({2, 1, 3}, 1), input({4, 1}, 2));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return x[0] * x[1].expand({3, 4});
      },
      transposed_input({3, 4}, 1), input({4}, 2));
}

TEST(ElementwiseGradcheck, Div) {
  auto f = [](const Inputs& x) { return x[0] / x[1]; };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2, 0.5, 2.0));
  EXPECT_GRADCHECK(f, strided_input({2, 3}, 1), input({3}, 2, 0.5, 2.0));
}

TEST(ElementwiseGradcheck, ScalarOverloads) {
  EXPECT_GRADCHECK([](const Inputs& x) { return (x[0] + 2.0) * 3.0 - 1.0; }, input({2, 3}));
  EXPECT_GRADCHECK([](const Inputs& x) { return 2.0 - x[0] / 4.0; }, transposed_input({2, 3}));
  EXPECT_GRADCHECK([](const Inputs& x) { return 1.5 / x[0]; }, input({5}, 3, 0.5, 2.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return -x[0]; }, strided_input({3, 2}));
}

TEST(ElementwiseGradcheck, SecondOrderThroughMul) {
  // d/dx of (d/dx x*x*x) = 6x: backward rules are ops, so they differentiate again.
  Tensor x = input({3}, 7);
  auto f = [](const Inputs& in) {
    Tensor y = (in[0] * in[0] * in[0]).sum();
    return autograd::grad(y, {in[0]}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  };
  EXPECT_GRADCHECK(f, x);
}

}  // namespace
}  // namespace strata
