#include <gmock/gmock.h>

#include "strata/autograd/grad_hooks.h"
#include "strata/autograd/node.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(Autograd, AccumulatesIntoLeaves) {
  Tensor x = from_vector<float>({1, 2, 3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{2, 4, 6}));
  (x * 2.0).sum().backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{4, 6, 8}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  Tensor x = from_vector<double>({1.5}).requires_grad_();
  Tensor a = x * 3.0;
  Tensor b = x * x;
  Tensor c = a * b + a;  // 3x^3 + 3x -> 9x^2 + 3
  c.sum().backward();
  EXPECT_NEAR(x.grad().item(), 9 * 1.5 * 1.5 + 3, 1e-12);
}

TEST(Autograd, NonScalarNeedsGradient) {
  Tensor x = ones({2, 2}).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), Error);
  y.backward(ones({2, 2}));
  EXPECT_TRUE(allclose(x.grad(), full({2, 2}, 2.0)));
}

TEST(Autograd, GraphIsFreedUnlessRetained) {
  Tensor x = ones({2}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_TRUE(allclose(x.grad(), full({2}, 4.0)));
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, NoGradGuardStopsRecording) {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_THROW(y.sum().backward(), Error);
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
  EXPECT_FALSE(x.detach().requires_grad());
}

TEST(Autograd, InPlaceOnTensorsAutogradNeedsIsRefused) {
  Tensor w = ones({2}).requires_grad_();
  EXPECT_THROW(w.add_(1.0), Error);
  Tensor h = w * 3.0;
  EXPECT_THROW(h.mul_(2.0), Error);
  {
    NoGradGuard guard;
    w.add_(ones({2}), -0.5);  // an optimiser step
  }
  EXPECT_TRUE(allclose(w, full({2}, 0.5)));

  // Changing a saved input after the op ran makes its backward refuse to run.
  Tensor a = ones({2}).requires_grad_();
  Tensor b = ones({2});
  Tensor c = (a * b).sum();
  b.add_(1.0);
  EXPECT_THROW(c.backward(), Error);
}

TEST(Autograd, GradientsFlowThroughViews) {
  Tensor x = arange(6, {.dtype = kFloat64}).reshape({2, 3}).detach().requires_grad_();
  Tensor y = x.t().slice(0, 1, 3).select(1, 0).sum();
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 1, 1, 0, 0, 0}));
}

TEST(Autograd, LongChainsAndWideFanIn) {
  // A few thousand nodes: the engine's bookkeeping table grows past its initial size.
  Tensor x = from_vector<double>({0.5}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 3000; ++i) y = y * 1.0 + x * 0.0;
  std::vector<Tensor> parts;
  for (int i = 0; i < 500; ++i) parts.push_back(x * static_cast<double>(i));
  Tensor total = y;
  for (const Tensor& p : parts) total = total + p;
  total.sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 1.0 + 499.0 * 500.0 / 2.0);
  // The same graph shape again: the table is reused and starts empty.
  x.zero_grad();
  (x * 3.0 + x).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 4.0);
}

TEST(Autograd, BackwardInsideABackwardRule) {
  // A backward rule that itself runs autograd::grad (as gradient checkpointing does): the nested run
  // gets bookkeeping of its own and the outer run carries on.
  Tensor x = from_vector<double>({2.0}).requires_grad_();
  Tensor w = from_vector<double>({3.0}).requires_grad_();
  Tensor out = autograd::record("nested", ops::mul(x.detach(), w.detach()), {x, w}, [x, w](const Tensor& g) {
    Tensor xi = x.detach().requires_grad_();
    Tensor wi = w.detach().requires_grad_();
    autograd::EnableGradGuard enable;
    const std::vector<Tensor> inner = autograd::grad(ops::sum(ops::mul(xi, wi)), {xi, wi});
    return autograd::Grads{ops::mul(g, inner[0]), ops::mul(g, inner[1])};
  });
  (out * 2.0 + x).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 2.0 * 3.0 + 1.0);
  EXPECT_DOUBLE_EQ(w.grad().item(), 2.0 * 2.0);
}

// ---- grad_hooks.h ------------------------------------------------------------------------------------

TEST(GradHooks, PostAccumulateRunsOnceWithTheCompleteGradient) {
  Tensor w1 = from_vector<double>({2.0}).requires_grad_();
  Tensor w2 = from_vector<double>({3.0}).requires_grad_();
  Tensor unused = from_vector<double>({1.0}).requires_grad_();
  std::vector<std::pair<int, double>> calls;  // (which, gradient seen)
  const uint64_t h1 = autograd::register_post_accumulate_grad_hook(w1, [&](const Tensor& leaf) {
    calls.push_back({1, leaf.grad().item()});
  });
  const uint64_t h2 = autograd::register_post_accumulate_grad_hook(w2, [&](const Tensor& leaf) {
    calls.push_back({2, leaf.grad().item()});
  });
  const uint64_t h3 = autograd::register_post_accumulate_grad_hook(unused, [&](const Tensor&) {
    calls.push_back({3, 0.0});
  });
  // w1 is used twice (w1 * w1 and below): its hook waits for both uses; w2 (the last layer) completes first.
  Tensor h = w1 * w1;
  Tensor y = (h * w2 + w1).sum();  // dy/dw1 = 2 w1 w2 + 1 = 13, dy/dw2 = w1^2 = 4
  y.backward();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::make_pair(2, 4.0));
  EXPECT_EQ(calls[1], std::make_pair(1, 13.0));
  // A second backward runs them again with the accumulated gradient; removed hooks stay silent.
  autograd::remove_hook(h2);
  (w1 * 1.0).sum().backward();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2], std::make_pair(1, 14.0));
  // autograd::grad accumulates nothing, so runs no hook.
  autograd::grad((w1 * w1).sum(), {w1});
  EXPECT_EQ(calls.size(), 3u);
  autograd::remove_hook(h1);
  autograd::remove_hook(h3);
  (w1 * w2).sum().backward();
  EXPECT_EQ(calls.size(), 3u);
}

TEST(GradHooks, BackwardEndRunsAfterEachOutermostBackward) {
  Tensor w = from_vector<double>({2.0}).requires_grad_();
  int ends = 0;
  bool grad_ready = false;
  const uint64_t id = autograd::register_backward_end_hook([&] {
    ++ends;
    grad_ready = w.grad().defined();
  });
  (w * w).sum().backward();
  EXPECT_EQ(ends, 1);
  EXPECT_TRUE(grad_ready);
  w.sum().backward();  // the root is the leaf itself
  EXPECT_EQ(ends, 2);
  autograd::remove_hook(id);
  (w * w).sum().backward();
  EXPECT_EQ(ends, 2);
}

TEST(GradHooks, RefusesNonLeavesAndEmptyHooks) {
  Tensor w = from_vector<double>({2.0}).requires_grad_();
  Tensor y = w * 2.0;
  EXPECT_THAT(
      testing::error_of([&] { autograd::register_post_accumulate_grad_hook(y, [](const Tensor&) {}); }),
      ::testing::HasSubstr("must be a leaf that requires grad"));
  EXPECT_THAT(testing::error_of([&] { autograd::register_post_accumulate_grad_hook(w, {}); }),
              ::testing::HasSubstr("the hook is empty"));
  EXPECT_THAT(testing::error_of([&] { autograd::register_backward_end_hook({}); }),
              ::testing::HasSubstr("the hook is empty"));
}

}  // namespace
}  // namespace strata
