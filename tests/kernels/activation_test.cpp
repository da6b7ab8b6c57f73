// Fused activation backward kernels against the op formulas they replace in first-order backward passes.
#include "kernels/activation.h"

#include <cmath>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

// relu's backward as written with ops (used inside create_graph backward passes).
Tensor composite_relu_backward(const Tensor& g, const Tensor& y) {
  return ops::where(ops::le(y, 0.0), full({}, 0.0, {.dtype = g.dtype()}), g);
}

TEST(ReluBackwardKernel, MatchesTheComposite) {
  Generator gen(1);
  for (Dtype dt : {kFloat32, kFloat64}) {
    const Tensor y = ops::relu(randn({5, 33}, {.dtype = dt}, &gen));
    const Tensor g = randn({5, 33}, {.dtype = dt}, &gen);
    EXPECT_TRUE(equal(kernels::relu_backward(g, y), composite_relu_backward(g, y)));
    // Strided operands take the general loop.
    const Tensor yt = ops::relu(randn({33, 5}, {.dtype = dt}, &gen)).t();
    EXPECT_TRUE(equal(kernels::relu_backward(g, yt), composite_relu_backward(g, yt)));
    EXPECT_TRUE(equal(kernels::relu_backward(g.t().contiguous().t(), y), composite_relu_backward(g, y)));
  }
}

TEST(ReluBackwardKernel, NanOutputPassesTheGradientAndLargeInputsSplit) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor y = from_vector<float>({nan, 0.f, -0.f, 2.f}, {4});
  const Tensor g = from_vector<float>({1.f, 2.f, 3.f, 4.f}, {4});
  EXPECT_EQ(kernels::relu_backward(g, y).to_vector<float>(), (std::vector<float>{1.f, 0.f, 0.f, 4.f}));
  Generator gen(2);
  const Tensor big_y = ops::relu(randn({3, 50000}, {}, &gen));
  const Tensor big_g = randn({3, 50000}, {}, &gen);
  const int threads = get_num_threads();
  set_num_threads(2);
  const Tensor out = kernels::relu_backward(big_g, big_y);
  set_num_threads(threads);
  EXPECT_TRUE(equal(out, composite_relu_backward(big_g, big_y)));
}

TEST(ReluBackwardKernel, FirstAndSecondOrderBackwardAgree) {
  // relu's op uses the kernel for a first-order backward and the composite inside create_graph.
  Generator gen(3);
  const Tensor x0 = randn({4, 6}, {.dtype = kFloat64}, &gen);
  Tensor a = x0.clone().requires_grad_();
  ops::sum(ops::mul(ops::relu(a), a)).backward();
  Tensor b = x0.clone().requires_grad_();
  const Tensor gb = autograd::grad(ops::sum(ops::mul(ops::relu(b), b)), {b}, {}, true, true)[0];
  EXPECT_TRUE(equal(a.grad(), gb.detach()));
  ASSERT_TRUE(gb.requires_grad());
  // d/db sum(gb) = 2 where b > 0: the composite backward differentiates again.
  const Tensor hb = autograd::grad(ops::sum(gb), {b})[0];
  EXPECT_TRUE(equal(hb, ops::mul(ops::to_dtype(ops::gt(x0, 0.0), kFloat64), 2.0)));
}

TEST(ReluBackwardKernel, RejectsMismatchedOperands) {
  try {
    kernels::relu_backward(zeros({2, 3}), zeros({3, 2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "relu: gradient of shape [2, 3] (f32) for an output of shape [3, 2] (f32)");
  }
}

// gelu's (erf form) backward as written with ops: g * (Phi(x) + x phi(x)), in f64.
Tensor composite_gelu_backward(const Tensor& g, const Tensor& x) {
  const Tensor xd = x.to(kFloat64), gd = g.to(kFloat64);
  const Tensor cdf = ops::mul(ops::add(ops::erf(ops::mul(xd, std::sqrt(0.5))), 1.0), 0.5);
  const Tensor pdf = ops::mul(ops::exp(ops::mul(ops::square(xd), -0.5)), 1.0 / std::sqrt(2.0 * M_PI));
  return ops::mul(gd, ops::add(cdf, ops::mul(xd, pdf)));
}

TEST(ReluBackwardKernel, IntoMayOverwriteTheGradient) {
  Generator g(5);
  const Tensor y = randn({6, 9}, {}, &g).relu();
  const Tensor grad = randn({6, 9}, {}, &g);
  const Tensor expected = kernels::relu_backward(grad, y);
  const Tensor in_place = grad.clone();
  kernels::relu_backward_into(in_place, y, in_place);
  EXPECT_TRUE(equal(in_place, expected));
  EXPECT_ERROR_CONTAINS(kernels::relu_backward_into(grad, y, zeros({6, 8})), "relu", "[6, 8]");
}

TEST(GeluBackwardKernel, MatchesTheComposite) {
  Generator gen(3);
  for (Dtype dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const double tol = dt == kFloat32 ? 2e-6 : 1e-14;
    // Wide inputs: the tails (|x| > 4, where erf saturates) as well as the middle.
    const Tensor x = ops::mul(randn({5, 67}, {.dtype = dt}, &gen), 3.0);
    const Tensor g = randn({5, 67}, {.dtype = dt}, &gen);
    const Tensor want = composite_gelu_backward(g, x);
    EXPECT_TRUE(allclose(kernels::gelu_backward(g, x).to(kFloat64), want, tol, tol));
    const Tensor xt = x.t().contiguous().t();  // strided operands take the general loop
    EXPECT_TRUE(allclose(kernels::gelu_backward(g, xt).to(kFloat64), want, tol, tol));
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor out = kernels::gelu_backward(from_vector<float>({1.f, 1.f}), from_vector<float>({nan, 0.f}));
  EXPECT_TRUE(std::isnan(out.to_vector<float>()[0]));
  EXPECT_FLOAT_EQ(out.to_vector<float>()[1], 0.5f);
  EXPECT_THROW(kernels::gelu_backward(zeros({2}), zeros({3})), Error);
}

}  // namespace
}  // namespace strata
