// The fused softmax cross-entropy (ops::cross_entropy's common case: class indices, no weights, no
// smoothing, nothing ignored) against the composite log_softmax + nll_loss it replaces: same losses and
// gradients, at every reduction, in f32 and f64, for strided logits and rows large enough to run in
// parallel, and through a second-order (create_graph) backward.
#include "kernels/cross_entropy.h"

#include <cmath>
#include <functional>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using ops::Reduction;

// The composite formulation, as cross_entropy computed it before the fused path.
Tensor composite(const Tensor& logits, const Tensor& target, Reduction r) {
  return ops::nll_loss(ops::log_softmax(logits, logits.dim() == 1 ? 0 : 1), target, {.reduction = r});
}

// Loss and input gradient of fn(x) for a fresh leaf copy of x (the loss reduced with a fixed weighting so
// per-row gradients are checked too).
std::pair<Tensor, Tensor> loss_and_grad(const Tensor& x, const std::function<Tensor(const Tensor&)>& fn) {
  Tensor leaf = x.detach().clone().requires_grad_();
  Tensor loss = fn(leaf);
  Tensor weights = arange(1.0, static_cast<double>(loss.numel()) + 1.0, 1.0, {.dtype = x.dtype()});
  ops::sum(ops::mul(loss.reshape({-1}), weights)).backward();
  return {loss.detach(), leaf.grad()};
}

void expect_same(const Tensor& logits, const Tensor& target, double tol) {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    auto [fused_loss, fused_grad] = loss_and_grad(
        logits, [&](const Tensor& x) { return ops::cross_entropy(x, target, {.reduction = r}); });
    auto [ref_loss, ref_grad] =
        loss_and_grad(logits, [&](const Tensor& x) { return composite(x, target, r); });
    EXPECT_EQ(fused_loss.shape(), ref_loss.shape());
    EXPECT_TRUE(allclose(fused_loss, ref_loss, tol, tol)) << fused_loss << "\n" << ref_loss;
    EXPECT_TRUE(allclose(fused_grad, ref_grad, tol, tol)) << fused_grad << "\n" << ref_grad;
  }
}

TEST(FusedCrossEntropy, MatchesCompositeF64) {
  Generator g(3);
  const Tensor logits = randn({7, 5}, {.dtype = kFloat64}, &g) * 3.0;
  expect_same(logits, from_vector<int64_t>({0, 4, 2, 2, 1, 3, 0}, {7}), 1e-12);
}

TEST(FusedCrossEntropy, MatchesCompositeF32) {
  Generator g(4);
  const Tensor logits = randn({128, 10}, {}, &g) * 4.0;
  const Tensor target = randint(0, 10, {128}, {.dtype = kInt64}, &g);
  // (softmax - 1 at a confident target cancels: both formulations carry an f32 rounding of about 1e-7 * g.)
  expect_same(logits, target, 1e-4);
}

TEST(FusedCrossEntropy, LargeRowsRunInParallelAndAgree) {
  // 64 x 1000 logits exceed the parallel grain: rows split over threads give the same result.
  Generator g(5);
  const Tensor logits = randn({64, 1000}, {}, &g);
  const Tensor target = randint(0, 1000, {64}, {.dtype = kInt64}, &g);
  const int threads = get_num_threads();
  set_num_threads(2);
  expect_same(logits, target, 1e-4);
  const Tensor two = ops::cross_entropy(logits, target);
  set_num_threads(1);
  const Tensor one = ops::cross_entropy(logits, target);
  set_num_threads(threads);
  EXPECT_EQ(two.item(), one.item());  // the reduction order does not depend on the thread count
}

TEST(FusedCrossEntropy, StridedLogitsAndUnbatchedInput) {
  Generator g(6);
  const Tensor wide = randn({5, 8}, {.dtype = kFloat64}, &g);
  expect_same(wide.t(), from_vector<int64_t>({1, 0, 4, 3, 2, 2, 1, 0}, {8}), 1e-12);  // [8, 5] transposed
  expect_same(wide.select(0, 2), from_vector<int64_t>({3}, Shape{}), 1e-12);  // [8] logits, 0-dim target
}

TEST(FusedCrossEntropy, ExtremeLogitsStayFinite) {
  const Tensor logits = from_vector<float>({1000.f, -1000.f, 0.f, -1e30f, 50.f, 49.f}, {2, 3});
  const Tensor target = from_vector<int64_t>({1, 2}, {2});
  Tensor x = logits.detach().requires_grad_();
  const Tensor loss = ops::cross_entropy(x, target, {.reduction = Reduction::None});
  EXPECT_NEAR(loss.at({0}), 2000.0, 1e-3);
  EXPECT_NEAR(loss.at({1}), composite(logits, target, Reduction::None).at({1}), 1e-5);
  loss.sum().backward();
  for (float v : x.grad().to_vector<float>()) EXPECT_TRUE(std::isfinite(v));
}

TEST(FusedCrossEntropy, SecondOrderMatchesComposite) {
  // Inside a create_graph backward the fused op's gradient is built from ops, so it differentiates again.
  Generator g(7);
  const Tensor logits = randn({4, 3}, {.dtype = kFloat64}, &g);
  const Tensor target = from_vector<int64_t>({2, 0, 1, 1}, {4});
  auto grad_norm_grad = [&](bool fused) {
    Tensor x = logits.detach().clone().requires_grad_();
    const Tensor loss = fused ? ops::cross_entropy(x, target) : composite(x, target, Reduction::Mean);
    const Tensor gx = autograd::grad(loss, {x}, {}, true, true)[0];
    return autograd::grad(ops::sum(ops::square(gx)), {x})[0];
  };
  EXPECT_TRUE(allclose(grad_norm_grad(true), grad_norm_grad(false), 1e-10, 1e-12));
  EXPECT_GRADCHECK([&](const std::vector<Tensor>& x) { return ops::cross_entropy(x[0], target); },
                   testing::input({4, 3}));
}

TEST(FusedCrossEntropy, OtherCasesKeepTheirSemantics) {
  // Ignored targets, class weights and smoothing take the composite path; its results are unchanged.
  const Tensor logits = from_vector<double>({1, 2, 3, 3, 2, 1}, {2, 3});
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  EXPECT_NEAR(ops::cross_entropy(logits, from_vector<int64_t>({2, -100}, {2})).item(), l0, 1e-12);
  EXPECT_NEAR(ops::cross_entropy(logits, from_vector<int64_t>({2, 0}, {2}),
                                 {.weight = ones({3}, {.dtype = kFloat64})})
                  .item(),
              ops::cross_entropy(logits, from_vector<int64_t>({2, 0}, {2})).item(), 1e-12);
  EXPECT_EQ(ops::cross_entropy(logits.unsqueeze(2), from_vector<int64_t>({2, 0}, {2, 1})).shape(), Shape{});
}

TEST(FusedCrossEntropy, BadTargetsStillThrow) {
  const Tensor logits = zeros({2, 3});
  try {
    ops::cross_entropy(logits, from_vector<int64_t>({0, 3}, {2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cross_entropy: target 3 is out of range for 3 classes");
  }
}

TEST(FusedCrossEntropyKernel, ReducedLossAndBackward) {
  const Tensor logits = from_vector<double>({0, 0, 0, 0, std::log(3.0), 0}, {2, 3});
  const Tensor target = from_vector<int64_t>({0, 1}, {2});
  const kernels::CrossEntropyForward fw = kernels::cross_entropy(logits, target, true, 0.5);
  EXPECT_EQ(fw.loss.dim(), 0);
  EXPECT_NEAR(fw.loss.item(), 0.5 * (std::log(3.0) + std::log(5.0) - std::log(3.0)), 1e-12);
  EXPECT_NEAR(fw.lse.at({1}), std::log(5.0), 1e-12);
  const Tensor g =
      kernels::cross_entropy_backward(logits, target, fw.lse, scalar_tensor(2.0, {.dtype = kFloat64}), 0.5);
  const std::vector<double> expected = {1.0 / 3 - 1, 1.0 / 3, 1.0 / 3, 1.0 / 5, 3.0 / 5 - 1, 1.0 / 5};
  const std::vector<double> got = g.to_vector<double>();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-12);
}

}  // namespace
}  // namespace strata
