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

TEST(ElementwiseGradcheck, PowTensorTensor) {
  // Positive bases keep log(base) real; exponents span both signs.
  auto f = [](const Inputs& x) { return ops::pow(x[0], x[1]); };
  EXPECT_GRADCHECK(f, input({2, 3}, 1, 0.5, 2.0), input({2, 3}, 2, -2.0, 2.0));
  EXPECT_GRADCHECK(f, input({2, 1}, 1, 0.5, 2.0), input({3}, 2, -2.0, 2.0));
  EXPECT_GRADCHECK(f, transposed_input({3, 2}, 3, 0.5, 2.0), strided_input({3, 2}, 4, -1.0, 3.0));
  // Only one side differentiable; the other a constant (integral exponents allowed).
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::pow(x[0], from_vector<int64_t>({0, 1, 2, 3}));
      },
      input({2, 4}, 5));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::pow(full({3}, 1.5, {.dtype = kFloat64}), x[0]); },
                   strided_input({3}, 6));
}

TEST(ElementwiseGradcheck, PowScalarExponent) {
  for (double e : {0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, 1.7, -2.3}) {
    EXPECT_GRADCHECK([e](const Inputs& x) { return ops::pow(x[0], e); },
                     transposed_input({2, 3}, 1, 0.5, 2.0));
  }
  // Integral exponents work on negative bases.
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].pow(3); }, strided_input({4, 2}, 2));
}

TEST(ElementwiseGradcheck, PowScalarBase) {
  for (double b : {2.0, 0.5, 10.0}) {
    EXPECT_GRADCHECK([b](const Inputs& x) { return ops::pow(b, x[0]); }, strided_input({3, 2}, 1));
  }
  // Base 0 with positive exponents: a flat 0 output, and the masked gradient (no 0 * log 0) agrees.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::pow(0.0, x[0]); }, input({3}, 2, 0.5, 2.0));
}

TEST(ElementwiseGradcheck, ExpLogFamily) {
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::exp(x[0]); }, transposed_input({2, 3}, 1));
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].exp(); }, input({4}, 2));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::log(x[0]); }, strided_input({3, 2}, 3, 0.2, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].log(); }, input({4}, 4, 0.2, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::log1p(x[0]); }, transposed_input({2, 3}, 5, -0.8, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::sqrt(x[0]); }, strided_input({3, 2}, 6, 0.2, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].sqrt(); }, input({4}, 7, 0.2, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::rsqrt(x[0]); }, transposed_input({2, 3}, 8, 0.2, 3.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::reciprocal(x[0]); }, strided_input({3, 2}, 9, 0.3, 2.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::reciprocal(x[0]); }, input({4}, 10, -2.0, -0.3));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::square(x[0]); }, transposed_input({2, 3}, 11));
}

TEST(ElementwiseGradcheck, TrigErfAbsSign) {
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::sin(x[0]); }, transposed_input({2, 3}, 1, -4.0, 4.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::cos(x[0]); }, strided_input({3, 2}, 2, -4.0, 4.0));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::erf(x[0]); }, transposed_input({2, 3}, 3, -2.5, 2.5));
  // Away from the kink at 0: magnitudes in [0.2, 2) with both signs.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::abs(ops::mul(x[0], x[1])); },
                   strided_input({3, 2}, 4, 0.2, 2.0), from_vector<double>({1, -1}));
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].abs(); }, transposed_input({2, 3}, 5, -2.0, -0.2));
  // sign is flat away from 0: a zero gradient that finite differences agree with.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::sign(x[0]); }, transposed_input({2, 3}, 6, 0.2, 2.0));
}

TEST(ElementwiseGradcheck, Clamp) {
  // Bounds chosen away from the sampled values' neighbourhoods (seeds fixed).
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::clamp(x[0], -0.5, 0.7); }, transposed_input({3, 4}, 1));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::clamp(x[0], -0.3, std::nullopt); },
                   strided_input({4, 3}, 2));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::clamp(x[0], std::nullopt, 0.4); }, input({3, 4}, 3));
}

TEST(ElementwiseGradcheck, MaximumMinimum) {
  auto mx = [](const Inputs& x) { return ops::maximum(x[0], x[1]); };
  auto mn = [](const Inputs& x) { return ops::minimum(x[0], x[1]); };
  for (const auto& f : {std::function<Tensor(const Inputs&)>(mx), std::function<Tensor(const Inputs&)>(mn)}) {
    EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2));
    EXPECT_GRADCHECK(f, input({2, 1, 3}, 3), input({4, 1}, 4));
    EXPECT_GRADCHECK(f, transposed_input({3, 4}, 5), strided_input({3, 4}, 6));
    EXPECT_GRADCHECK(
        [&f](const Inputs& x) {
          return f({x[0], x[1].expand({3, 4})});
        },
        strided_input({3, 4}, 7), input({4}, 8));
  }
}

TEST(ElementwiseGradcheck, Where) {
  const Tensor cond = from_vector<uint8_t>({1, 0, 0, 1, 1, 0}, {2, 3});
  auto f = [cond](const Inputs& x) { return ops::where(cond, x[0], x[1]); };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(f, input({3}, 3), input({2, 1}, 4));
  EXPECT_GRADCHECK(f, transposed_input({2, 3}, 5), strided_input({2, 3}, 6));
  // Condition broadcast against the inputs, and a mask computed from an input.
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::where(from_vector<uint8_t>({1, 0}, {2, 1}), x[0], x[1]);
      },
      input({1, 3}, 7), input({2, 3}, 8));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::where(ops::gt(x[0], 0.0), x[0], ops::mul(x[0], x[0])); },
                   strided_input({3, 2}, 9));
}

TEST(ElementwiseGradcheck, SecondOrderThroughSavedOutputs) {
  // Ops whose backward reads their own output (exp, sqrt, rsqrt, reciprocal, pow) must still let a
  // create_graph backward differentiate through that output.
  auto second = [](Tensor (*op)(const Tensor&)) {
    return [op](const Inputs& in) {
      Tensor y = op(in[0]).sum();
      return autograd::grad(y, {in[0]}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    };
  };
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::exp(x); }), input({3}, 1));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::sqrt(x); }), input({3}, 2, 0.5, 2.0));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::rsqrt(x); }), input({3}, 3, 0.5, 2.0));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::reciprocal(x); }), input({3}, 4, 0.5, 2.0));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::pow(1.5, x); }), input({3}, 5));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::pow(x, 2.5); }), input({3}, 6, 0.5, 2.0));
  EXPECT_GRADCHECK(second([](const Tensor& x) { return ops::erf(ops::sin(x)); }), input({3}, 7));
  // Both inputs of pow, through the saved output.
  EXPECT_GRADCHECK(
      [](const Inputs& in) {
        Tensor y = ops::pow(in[0], in[1]).sum();
        auto g = autograd::grad(y, {in[0], in[1]}, {}, true, true);
        return ops::add(ops::mul(g[0], 0.7), g[1]);
      },
      input({3}, 8, 0.5, 2.0), input({3}, 9));
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
