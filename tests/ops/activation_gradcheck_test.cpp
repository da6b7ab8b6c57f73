// Gradient checks for activations: contiguous and non-contiguous inputs, parameters, and second order.
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;
using Activation = std::function<Tensor(const Tensor&)>;

// Checks an activation on a contiguous, a transposed and a strided input drawn from [lo, hi).
void check_layouts(const Activation& act, double lo, double hi) {
  auto f = [&act](const Inputs& x) { return act(x[0]); };
  EXPECT_GRADCHECK(f, input({7}, 1, lo, hi));
  EXPECT_GRADCHECK(f, transposed_input({3, 4}, 2, lo, hi));
  EXPECT_GRADCHECK(f, strided_input({4, 3}, 3, lo, hi));
}

// d/dx of sum(d/dx sum(act(x))): the backward rule differentiated again.
void check_second_order(const Activation& act, double lo, double hi) {
  auto f = [&act](const Inputs& in) {
    Tensor y = act(in[0]).sum();
    return autograd::grad(y, {in[0]}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  };
  EXPECT_GRADCHECK(f, transposed_input({2, 3}, 4, lo, hi));
}

// The kinks (0 for the relu family, +-3 for the hard ones) sit where no sample falls within eps.
TEST(ActivationGradcheck, Relu) {
  check_layouts([](const Tensor& x) { return ops::relu(x); }, -2, 2);
  check_layouts([](const Tensor& x) { return x.relu(); }, -2, 2);
}

TEST(ActivationGradcheck, LeakyRelu) {
  check_layouts([](const Tensor& x) { return ops::leaky_relu(x); }, -2, 2);
  check_layouts([](const Tensor& x) { return ops::leaky_relu(x, 0.3); }, -2, 2);
  check_layouts([](const Tensor& x) { return ops::leaky_relu(x, -0.5); }, -2, 2);
}

TEST(ActivationGradcheck, Elu) {
  check_layouts([](const Tensor& x) { return ops::elu(x); }, -3, 2);
  check_layouts([](const Tensor& x) { return ops::elu(x, 0.4); }, -3, 2);
  check_layouts([](const Tensor& x) { return ops::elu(x, -0.7); }, -3, 2);
}

TEST(ActivationGradcheck, Selu) {
  check_layouts([](const Tensor& x) { return ops::selu(x); }, -3, 2);
}

TEST(ActivationGradcheck, Gelu) {
  check_layouts([](const Tensor& x) { return ops::gelu(x); }, -4, 4);
  check_layouts([](const Tensor& x) { return ops::gelu(x, ops::GeluApproximate::Tanh); }, -4, 4);
}

TEST(ActivationGradcheck, SigmoidTanh) {
  check_layouts([](const Tensor& x) { return ops::sigmoid(x); }, -6, 6);
  check_layouts([](const Tensor& x) { return x.sigmoid(); }, -6, 6);
  check_layouts([](const Tensor& x) { return ops::tanh(x); }, -3, 3);
  check_layouts([](const Tensor& x) { return x.tanh(); }, -3, 3);
}

TEST(ActivationGradcheck, Softplus) {
  check_layouts([](const Tensor& x) { return ops::softplus(x); }, -5, 5);
  // With beta = 2 and threshold = 3 some samples sit on the linear part (x > 1.5).
  check_layouts([](const Tensor& x) { return ops::softplus(x, 2.0, 3.0); }, -2, 3);
}

TEST(ActivationGradcheck, Silu) {
  check_layouts([](const Tensor& x) { return ops::silu(x); }, -5, 5);
}

TEST(ActivationGradcheck, HardSigmoidHardSwish) {
  check_layouts([](const Tensor& x) { return ops::hardsigmoid(x); }, -5, 5);
  check_layouts([](const Tensor& x) { return ops::hardswish(x); }, -5, 5);
}

TEST(ActivationGradcheck, Mish) {
  check_layouts([](const Tensor& x) { return ops::mish(x); }, -5, 5);
  // Far enough out that softplus takes its linear branch (x > 20).
  check_layouts([](const Tensor& x) { return ops::mish(x); }, 18, 24);
}

// PReLU's input and weight gradients: a shared slope and per-channel slopes over several ranks.
TEST(ActivationGradcheck, Prelu) {
  auto f = [](const Inputs& v) { return ops::prelu(v[0], v[1]); };
  EXPECT_GRADCHECK(f, input({2, 3, 4}, 1, -2, 2), input({1}, 2));
  EXPECT_GRADCHECK(f, input({2, 3, 4}, 3, -2, 2), input({3}, 4));
  EXPECT_GRADCHECK(f, input({2, 3, 2, 3}, 5, -2, 2), input({3}, 6));
  EXPECT_GRADCHECK(f, input({4, 3}, 7, -2, 2), input({3}, 8));
  EXPECT_GRADCHECK(f, input({5}, 9, -2, 2), input({1}, 10));
  // Non-contiguous inputs: [N, C, L] as a transposed [N, L, C], and every other row.
  EXPECT_GRADCHECK(f, transposed_input({2, 3, 4}, 11, -2, 2), input({3}, 12));
  EXPECT_GRADCHECK(f, strided_input({2, 3, 2}, 13, -2, 2), input({3}, 14));
  EXPECT_GRADCHECK(f, transposed_input({3, 4}, 15, -2, 2), input({4}, 16));
}

TEST(ActivationGradcheck, Clamps) {
  // Samples spread over both bounds: below, inside and above.
  check_layouts([](const Tensor& x) { return ops::relu6(x); }, -3, 9);
  check_layouts([](const Tensor& x) { return ops::hardtanh(x); }, -2, 2);
  check_layouts([](const Tensor& x) { return ops::hardtanh(x, -2.0, 3.5); }, -4, 5);
  // d/dx hardtanh(x)^2 = 2 hardtanh(x) mask(x), whose derivative is 2 mask(x) away from the bounds.
  check_second_order([](const Tensor& x) { return ops::square(ops::relu6(x)); }, -3, 9);
  check_second_order([](const Tensor& x) { return ops::square(ops::hardtanh(x, -0.5, 0.7)); }, -2, 2);
}

TEST(ActivationGradcheck, InsideACompositeWithBroadcasting) {
  // act(a * b + c) with broadcast operands, as in a layer.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::gelu(ops::add(ops::mul(x[0], x[1]), x[2])); },
                   transposed_input({3, 4}, 1), input({4}, 2), input({3, 1}, 3));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::silu(ops::mul(x[0], x[1].expand({2, 3})));
      },
      strided_input({2, 3}, 4), input({1, 3}, 5));
}

TEST(ActivationGradcheck, SecondOrder) {
  // Activations whose backward reads the saved output (sigmoid, tanh, elu, selu, relu) and those that
  // recompute from the input (gelu, silu, softplus) differentiate twice.
  check_second_order([](const Tensor& x) { return ops::sigmoid(x); }, -3, 3);
  check_second_order([](const Tensor& x) { return ops::tanh(x); }, -2, 2);
  check_second_order([](const Tensor& x) { return ops::elu(x, 0.8); }, -3, 2);
  check_second_order([](const Tensor& x) { return ops::elu(x, -0.7); }, -3, 2);
  check_second_order([](const Tensor& x) { return ops::selu(x); }, -3, 2);
  check_second_order([](const Tensor& x) { return ops::gelu(x); }, -3, 3);
  check_second_order([](const Tensor& x) { return ops::gelu(x, ops::GeluApproximate::Tanh); }, -3, 3);
  check_second_order([](const Tensor& x) { return ops::silu(x); }, -3, 3);
  check_second_order([](const Tensor& x) { return ops::softplus(x, 1.5, 20.0); }, -3, 3);
  check_second_order([](const Tensor& x) { return ops::hardswish(x); }, -5, 5);
  check_second_order([](const Tensor& x) { return ops::mish(x); }, -4, 4);
  check_second_order(
      [](const Tensor& x) { return ops::square(ops::prelu(x, full({1}, 0.3, {.dtype = kFloat64}))); }, -2, 2);
  // relu(x)^2 has a continuous first derivative 2 relu(x): its second derivative is the relu mask.
  check_second_order([](const Tensor& x) { return ops::square(ops::relu(x)); }, -2, 2);
  // The same for leaky_relu (a GAN discriminator's activation, differentiated twice by the gradient
  // penalty): d/dx leaky_relu(x)^2 = 2 leaky_relu(x) slope(x), whose derivative is 2 slope(x)^2.
  check_second_order([](const Tensor& x) { return ops::square(ops::leaky_relu(x, 0.2)); }, -2, 2);
  // And through the input gradient, g -> where(x > 0, g, slope g), which is linear in g.
  EXPECT_GRADCHECK(
      [](const Inputs& v) {
        const Tensor y = ops::leaky_relu(v[0] * v[1], 0.2);
        return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0] * v[1];
      },
      input({3, 4}, 21, -2, 2), input({3, 4}, 22, -2, 2));
}

}  // namespace
}  // namespace strata
