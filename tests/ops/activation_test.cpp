// Activation functions: forward values against closed forms (PyTorch semantics and defaults), dtype rules,
// gradients at the kinks, and error messages.
#include <gmock/gmock.h>

#include <cmath>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Tensor f64(const std::vector<double>& v) { return from_vector(v); }

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected strata::Error";
  return "";
}

// The gradient of sum(f(x)) at the given points.
template <typename F>
std::vector<double> grad_at(F f, const std::vector<double>& points) {
  Tensor x = f64(points).requires_grad_();
  f(x).sum().backward();
  return x.grad().to_vector<double>();
}

TEST(Activation, ReluFamily) {
  expect_values(ops::relu(f64({-1.5, 0, 2})), {0, 0, 2});
  expect_values(ops::leaky_relu(f64({-2, 0, 3})), {-0.02, 0, 3});
  expect_values(ops::leaky_relu(f64({-2, 3}), 0.2), {-0.4, 3});
  expect_values(ops::elu(f64({-1, 0, 2})), {-0.6321205588285577, 0, 2});
  expect_values(ops::elu(f64({-1, 2}), 0.5), {0.5 * -0.6321205588285577, 2});
  expect_values(ops::selu(f64({-1, 0, 1})), {-1.1113307378125625, 0, 1.0507009873554805});
  // Large negative inputs saturate at -alpha (selu: -scale * alpha).
  expect_values(ops::elu(f64({-800})), {-1});
  expect_values(ops::selu(f64({-800})), {-1.0507009873554805 * 1.6732632423543772});
}

TEST(Activation, SmoothFamily) {
  expect_values(ops::gelu(f64({0, 1, -1, 0.5})),
                {0, 0.8413447460685429, -0.15865525393145707, 0.34573123063700656});
  expect_values(ops::gelu(f64({0, 1, -1, 0.5}), ops::GeluApproximate::Tanh),
                {0, 0.8411919906082768, -0.15880800939172324, 0.34571400982514394});
  expect_values(ops::sigmoid(f64({0, std::log(3.0), -800, 800})), {0.5, 0.75, 0, 1});
  expect_values(ops::tanh(f64({0, std::log(2.0), -30})), {0, 0.6, -1});
  expect_values(ops::silu(f64({0, 1, -800})), {0, 0.7310585786300049, 0});
  // softplus: log(1 + exp(beta x)) / beta, and x itself once beta x exceeds the threshold.
  expect_values(ops::softplus(f64({0, -100, 25})), {std::log(2.0), std::exp(-100.0), 25}, 1e-15);
  expect_values(ops::softplus(f64({1, 11}), 2.0, 20.0), {1.0634640055214863, 11});
  expect_values(ops::softplus(f64({0.5, 2}), 1.0, 1.0), {std::log1p(std::exp(0.5)), 2});
}

TEST(Activation, HardFamily) {
  expect_values(ops::hardsigmoid(f64({-4, -3, 0, 1.5, 3, 4})), {0, 0, 0.5, 0.75, 1, 1});
  expect_values(ops::hardswish(f64({-4, -3, -1, 0, 1.5, 3, 4})), {0, 0, -1.0 / 3, 0, 1.125, 3, 4});
}

TEST(Activation, DtypesAndLayouts) {
  // relu keeps integers; the others compute integral inputs in f32.
  Tensor ri = ops::relu(from_vector<int64_t>({-3, 0, 5}));
  EXPECT_EQ(ri.dtype(), kInt64);
  EXPECT_EQ(ri.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 5}));
  EXPECT_EQ(ops::relu(from_vector<uint8_t>({0, 7})).dtype(), kUInt8);
  const Tensor ints = from_vector<int64_t>({-1, 0, 2});
  for (Tensor y : {ops::leaky_relu(ints), ops::elu(ints), ops::selu(ints), ops::gelu(ints),
                   ops::sigmoid(ints), ops::tanh(ints), ops::softplus(ints), ops::silu(ints),
                   ops::hardsigmoid(ints), ops::hardswish(ints)}) {
    EXPECT_EQ(y.dtype(), kFloat32);
  }
  expect_values(ops::sigmoid(ints), {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))}, 1e-7);
  // f32 and f64 keep their dtype.
  EXPECT_EQ(ops::gelu(zeros({2})).dtype(), kFloat32);
  EXPECT_EQ(ops::gelu(zeros({2}, {.dtype = kFloat64})).dtype(), kFloat64);
  // Non-contiguous input: a transpose.
  Tensor t = from_vector<double>({-1, 2, -3, 4}, {2, 2}).t();
  expect_values(ops::relu(t), {0, 0, 2, 4});
  expect_values(t.relu(), {0, 0, 2, 4});
  expect_values(t.sigmoid(), {1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(3.0)), 1 / (1 + std::exp(-2.0)),
                              1 / (1 + std::exp(-4.0))});
  expect_values(t.tanh(), {std::tanh(-1.0), std::tanh(-3.0), std::tanh(2.0), std::tanh(4.0)});
}

TEST(Activation, GradientsAtKinksFollowPyTorch) {
  // relu: 0 at 0. leaky_relu: the slope at 0. elu/selu: the negative branch at 0.
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::relu(x); }, {-1, 0, 2}),
            (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::leaky_relu(x, 0.1); }, {-1, 0, 2}),
            (std::vector<double>{0.1, 0.1, 1}));
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::elu(x, 0.5); }, {0, 2}), (std::vector<double>{0.5, 1}));
  const std::vector<double> s = grad_at([](const Tensor& x) { return ops::selu(x); }, {0, 2});
  EXPECT_NEAR(s[0], 1.0507009873554805 * 1.6732632423543772, 1e-15);
  EXPECT_NEAR(s[1], 1.0507009873554805, 1e-15);
  // hardsigmoid: 1/6 strictly inside (-3, 3). hardswish: 0 below -3, x/3 + 1/2 on [-3, 3], 1 above.
  const std::vector<double> hs = grad_at([](const Tensor& x) { return ops::hardsigmoid(x); }, {-3, 0, 3, 4});
  expect_values(f64(hs), {0, 1.0 / 6, 0, 0});
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::hardswish(x); }, {-4, -3, 0, 3, 4}),
            (std::vector<double>{0, -0.5, 0.5, 1.5, 1}));
  // softplus: 1 above the threshold, sigmoid(beta x) below it.
  const std::vector<double> sp =
      grad_at([](const Tensor& x) { return ops::softplus(x, 2.0, 4.0); }, {0, 1.9, 2.5});
  expect_values(f64(sp), {0.5, 1 / (1 + std::exp(-3.8)), 1});
  // A negative elu alpha makes the output positive below zero; the branch still follows x.
  const std::vector<double> en = grad_at([](const Tensor& x) { return ops::elu(x, -0.5); }, {-1, 2});
  expect_values(f64(en), {-0.5 * std::exp(-1.0), 1});
}

TEST(Activation, Mish) {
  // x tanh(log(1 + e^x)); far tails: 0 below (x e^x underflows), x above.
  expect_values(ops::mish(f64({-2.0, 0.0, 1.0, 3.0})),
                {-2.0 * std::tanh(std::log1p(std::exp(-2.0))), 0.0, std::tanh(std::log1p(std::exp(1.0))),
                 3.0 * std::tanh(std::log1p(std::exp(3.0)))});
  expect_values(ops::mish(f64({-800.0, 800.0})), {0.0, 800.0});
  EXPECT_EQ(ops::mish(from_vector<int64_t>({1, 2})).dtype(), kFloat32);  // integers compute in f32
}

TEST(Activation, Prelu) {
  // One shared slope, or one per channel (dim 1) broadcast over the rest.
  expect_values(ops::prelu(f64({-2.0, 0.0, 3.0}), f64({0.5})), {-1.0, 0.0, 3.0});
  const Tensor x = from_vector<double>({-1, 2, -3, 4, -5, 6, -7, 8}, {2, 2, 2});
  expect_values(ops::prelu(x, f64({0.1, 0.2})), {-0.1, 2, -0.6, 4, -0.5, 6, -1.4, 8});
  // The weight gradient sums x * g where x <= 0 (x = 0 included, as PyTorch); x's is g or g * weight.
  Tensor xin = from_vector<double>({-1, 0, 2, -3}, {1, 2, 2}).requires_grad_();
  Tensor w = f64({0.1, 0.2}).requires_grad_();
  ops::prelu(xin, w).sum().backward();
  expect_values(w.grad(), {-1.0, -3.0});
  expect_values(xin.grad(), {0.1, 0.1, 1.0, 0.2});
}

TEST(Activation, Clamps) {
  expect_values(ops::relu6(f64({-2, 0, 3.5, 6, 8})), {0, 0, 3.5, 6, 6});
  expect_values(ops::hardtanh(f64({-2, -1, 0.25, 1, 3})), {-1, -1, 0.25, 1, 1});
  expect_values(ops::hardtanh(f64({-5, 0, 4}), -2.0, 3.5), {-2, 0, 3.5});
  expect_values(ops::hardtanh(f64({-5, 0, 4}), 0.5, 0.5), {0.5, 0.5, 0.5});
  // Integers keep their dtype (u8 too when the bounds are not negative); floats keep theirs.
  Tensor ri = ops::relu6(from_vector<int64_t>({-3, 0, 5, 9}));
  EXPECT_EQ(ri.dtype(), kInt64);
  EXPECT_EQ(ri.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 5, 6}));
  Tensor ru = ops::relu6(from_vector<uint8_t>({253, 0, 5}));
  EXPECT_EQ(ru.to_vector<uint8_t>(), (std::vector<uint8_t>{6, 0, 5}));
  EXPECT_EQ(ops::hardtanh(from_vector<int64_t>({-3, 0, 5}), -1, 2).to_vector<int64_t>(),
            (std::vector<int64_t>{-1, 0, 2}));
  EXPECT_EQ(ops::relu6(zeros({2})).dtype(), kFloat32);
  // NaN passes through, and so does its gradient (PyTorch's hardtanh_backward zeroes only at the bounds).
  Tensor x = f64({std::nan(""), 1}).requires_grad_();
  Tensor y = ops::relu6(x);
  EXPECT_TRUE(std::isnan(y.to_vector<double>()[0]));
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1}));
  // Non-contiguous input: a transpose.
  expect_values(ops::relu6(from_vector<double>({-1, 7, 3, 4}, {2, 2}).t()), {0, 3, 6, 4});
}

TEST(Activation, ClampGradientsAreZeroAtTheBounds) {
  // PyTorch passes the gradient strictly inside (min_val, max_val): 0 at the bounds themselves.
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::relu6(x); }, {-1, 0, 3, 6, 7}),
            (std::vector<double>{0, 0, 1, 0, 0}));
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::hardtanh(x); }, {-2, -1, 0, 1, 2}),
            (std::vector<double>{0, 0, 1, 0, 0}));
  EXPECT_EQ(grad_at([](const Tensor& x) { return ops::hardtanh(x, -2.0, 3.5); }, {-2, -1.5, 3.4, 3.5}),
            (std::vector<double>{0, 1, 1, 0}));
  // f32 takes the fused backward kernel; a create_graph backward the formula written with ops: both agree.
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = from_vector<double>({-1, 0, 2, 6, 9}).to(dtype).requires_grad_();
    Tensor g = autograd::grad(ops::relu6(x).sum(), {x}, {}, true, /*create_graph=*/true)[0];
    EXPECT_EQ(g.to_vector<double>(), (std::vector<double>{0, 0, 1, 0, 0}));
    x.zero_grad();
    ops::relu6(x).sum().backward();
    EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0, 1, 0, 0}));
  }
}

TEST(Activation, ClampErrors) {
  EXPECT_EQ(error_of([] { ops::relu6(Tensor()); }), "relu6: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::hardtanh(Tensor()); }), "hardtanh: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::hardtanh(zeros({2}), 2.0, 1.0); }),
            "hardtanh: min_val (2) must not exceed max_val (1)");
  EXPECT_THAT(error_of([] {
                ops::hardtanh(from_vector<uint8_t>({1, 2}));
              }),
              HasSubstr("hardtanh: cannot clamp a u8 tensor of shape [2] to a negative min_val (-1)"));
  EXPECT_THAT(error_of([] { ops::relu6(empty({2}, {.dtype = kBFloat16})); }), StartsWith("relu6: "));
  EXPECT_THAT(error_of([] { ops::relu6(empty({2}, {.dtype = kBFloat16})); }), HasSubstr("bf16"));
}

TEST(Activation, Errors) {
  EXPECT_EQ(error_of([] { ops::relu(Tensor()); }), "relu: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::gelu(Tensor(), ops::GeluApproximate::Tanh); }),
            "gelu: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::softplus(Tensor()); }), "softplus: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::mish(Tensor()); }), "mish: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::prelu(Tensor(), f64({0.25})); }), "prelu: undefined tensor argument");
  EXPECT_THAT(
      error_of([] {
        ops::prelu(zeros({2, 3, 4}), zeros({4}));
      }),
      HasSubstr("prelu: weight of shape [4] does not match input of shape [2, 3, 4]: expected [1] or [3] "
                "(one slope per channel, dim 1)"));
  EXPECT_THAT(
      error_of([] { ops::prelu(zeros({5}), zeros({5})); }),
      HasSubstr("prelu: weight of shape [5] does not match input of shape [5]: expected [1] (the input has "
                "no channel dim)"));
  EXPECT_THAT(error_of([] {
                ops::prelu(zeros({2, 3}), zeros({3, 1}));
              }),
              HasSubstr("prelu: expected a weight of shape [1] or [C], got [3, 1]"));
  EXPECT_THAT(error_of([] {
                ops::prelu(zeros({2, 3}), zeros({3}, {.dtype = kFloat64}));
              }),
              HasSubstr("prelu: expected a floating input and a weight of the same dtype, got f32 and f64"));
  EXPECT_THAT(error_of([] {
                ops::prelu(zeros({2, 3}, {.dtype = kInt64}), zeros({3}, {.dtype = kInt64}));
              }),
              HasSubstr("prelu: expected a floating input"));
  for (auto op :
       {+[](const Tensor& x) { return ops::sigmoid(x); }, +[](const Tensor& x) { return ops::relu(x); },
        +[](const Tensor& x) { return ops::hardswish(x); }}) {
    const std::string msg = error_of([&] { op(empty({2}, {.dtype = kBFloat16})); });
    EXPECT_THAT(msg, HasSubstr("bf16"));
  }
  EXPECT_THAT(error_of([] { ops::sigmoid(empty({2}, {.dtype = kBFloat16})); }), StartsWith("sigmoid: "));
  // Backward through a freed graph names the op.
  Tensor x = f64({1, 2}).requires_grad_();
  Tensor y = ops::tanh(x).sum();
  y.backward();
  EXPECT_THAT(error_of([&] { y.backward(); }), HasSubstr("a second time"));
}

}  // namespace
}  // namespace strata
