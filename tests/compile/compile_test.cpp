// Compiled training steps and forwards against eager: outputs, losses, every gradient and ten optimiser
// steps agree within float tolerance; guards retrace when dtype, shape or mode change and not when only
// the batch size does; untraceable modules fall back to eager with the reason.
#include "strata/compile/compile.h"

#include <gtest/gtest.h>

#include "strata/models/lenet.h"
#include "strata/models/mlp.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

double max_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  return (a.to(kFloat64) - b.to(kFloat64)).abs().max().item();
}

struct Batch {
  Tensor x, y;
};

Batch batch(const Shape& shape, int64_t classes, uint64_t seed) {
  Generator g(seed);
  return {randn(shape, {}, &g), randint(0, classes, {shape[0]}, {.dtype = kInt64}, &g)};
}

// Two copies of one model (same weights), one trained eagerly and one compiled, step for step.
template <typename MakeModel, typename MakeOpt>
void expect_same_training(MakeModel make_model, MakeOpt make_opt, const Shape& shape, int64_t classes,
                          double tol) {
  manual_seed(3);
  nn::Sequential eager = make_model();
  manual_seed(3);
  nn::Sequential compiled = make_model();
  auto eager_opt = make_opt(eager->parameters());
  auto compiled_opt = make_opt(compiled->parameters());
  compiler::CompiledTrainingStep step(*compiled, *compiled_opt);
  for (int i = 0; i < 10; ++i) {
    const Batch b = batch(shape, classes, 100 + i);
    eager_opt->zero_grad();
    Tensor eager_loss = ops::cross_entropy(eager(b.x), b.y);
    eager_loss.backward();
    // Gradients before the update, then the update itself.
    const std::vector<Tensor> ep = eager->parameters();
    const std::vector<Tensor> cp = compiled->parameters();
    const Tensor compiled_loss = step.step(b.x, b.y);
    ASSERT_TRUE(step.compiled()) << step.fallback_reason();
    EXPECT_NEAR(eager_loss.item(), compiled_loss.item(), tol) << "step " << i;
    eager_opt->step();
    for (size_t p = 0; p < ep.size(); ++p) {
      ASSERT_TRUE(cp[p].grad().defined());
      EXPECT_LT(max_diff(ep[p].grad(), cp[p].grad()), tol)
          << "gradient of parameter " << p << " at step " << i;
      EXPECT_LT(max_diff(ep[p], cp[p]), tol) << "parameter " << p << " after step " << i;
    }
  }
  EXPECT_EQ(step.traces(), 1);
}

TEST(Compile, MlpWithSgdMatchesEagerForTenSteps) {
  expect_same_training(
      [] {
        return models::mlp({784, 256, 128, 10});
      },
      [](std::vector<Tensor> p) {
        return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.01, .momentum = 0.9});
      },
      {32, 1, 28, 28}, 10, 1e-5);
}

TEST(Compile, LeNetWithAdamMatchesEagerForTenSteps) {
  expect_same_training(
      [] { return models::lenet5(); },
      [](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-3}); },
      {8, 1, 28, 28}, 10, 1e-5);
}

TEST(Compile, StridedConvolutionAndUnfusedReluMatchEager) {
  // A strided, "same"-free conv with a ceil-mode pool; the last ReLU feeds the loss's logits directly.
  expect_same_training(
      [] {
        return nn::Sequential(nn::Conv2d(3, 4, 3, {.stride = 2, .padding = 1}), nn::ReLU(),
                              nn::MaxPool2d(2, {.ceil_mode = true}), nn::Flatten(), nn::Linear(4 * 4 * 4, 5),
                              nn::ReLU());
      },
      [](std::vector<Tensor> p) {
        return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.05, .weight_decay = 1e-3});
      },
      {6, 3, 13, 13}, 5, 1e-5);
}

TEST(Compile, ForwardMatchesEagerAndBatchSizesDoNotRetrace) {
  manual_seed(1);
  nn::Sequential net = models::lenet5();
  compiler::CompiledModule fast = compile(*net, batch({4, 1, 28, 28}, 10, 1).x);
  ASSERT_TRUE(fast.compiled()) << fast.fallback_reason();
  for (int64_t n : {1, 7, 64, 3}) {
    const Tensor x = batch({n, 1, 28, 28}, 10, static_cast<uint64_t>(n)).x;
    Tensor expected;
    {
      const autograd::NoGradGuard no_grad;
      expected = net(x);
    }
    EXPECT_LT(max_diff(fast(x), expected), 1e-5) << "batch " << n;
  }
  EXPECT_EQ(fast.traces(), 1);
}

TEST(Compile, GuardsRetraceOnDtypeShapeAndMode) {
  manual_seed(1);
  nn::Sequential net = models::mlp({12, 8, 3});
  compiler::CompiledModule fast(*net);
  fast(randn({5, 12}));
  EXPECT_EQ(fast.traces(), 1);
  fast(randn({9, 12}));
  EXPECT_EQ(fast.traces(), 1);  // batch size: symbolic
  fast(randn({5, 3, 4}));
  EXPECT_EQ(fast.traces(), 2);  // trailing shape
  net->to(kFloat64);
  const Tensor x64 = randn({5, 3, 4}, {.dtype = kFloat64});
  Tensor expected;
  {
    const autograd::NoGradGuard no_grad;
    expected = net(x64);
  }
  EXPECT_LT(max_diff(fast(x64), expected), 1e-12);
  EXPECT_EQ(fast.traces(), 3);  // dtype
  net->eval();
  fast(x64);
  EXPECT_EQ(fast.traces(), 4);  // module mode
}

TEST(Compile, UnsupportedLayerFallsBackToEagerWithTheReason) {
  manual_seed(2);
  nn::Sequential net = models::mlp({20, 16, 4}, /*dropout=*/0.5);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  compiler::CompiledTrainingStep step(*net, opt, {.notify = false});
  const Batch b = batch({6, 20}, 4, 5);
  const Tensor loss = step.step(b.x, b.y);
  EXPECT_FALSE(step.compiled());
  EXPECT_NE(step.fallback_reason().find("Dropout"), std::string::npos) << step.fallback_reason();
  EXPECT_TRUE(std::isfinite(loss.item()));
  EXPECT_TRUE(net->parameters()[0].grad().defined());
  step.step(b.x, b.y);
  EXPECT_EQ(step.traces(), 1);  // the fallback is remembered for the same guards
}

TEST(Compile, BadTargetsRaiseANamedError) {
  manual_seed(2);
  nn::Sequential net = models::mlp({6, 3});
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  compiler::CompiledTrainingStep step(*net, opt);
  Tensor y = zeros({4}, {.dtype = kInt64});
  y.set_at({2}, 7);
  EXPECT_ERROR_CONTAINS(step.step(randn({4, 6}), y), "cross_entropy", "out of range");
}

TEST(Compile, ExplainShowsPassesFusionsAndTheMemoryPlan) {
  manual_seed(2);
  nn::Sequential net = models::mlp({784, 256, 128, 10});
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  compiler::CompiledTrainingStep step(*net, opt);
  const Batch b = batch({16, 1, 28, 28}, 10, 5);
  step.step(b.x, b.y);
  const std::string text = step.explain();
  EXPECT_NE(text.find("graph before passes"), std::string::npos);
  EXPECT_NE(text.find("Linear[relu]"), std::string::npos) << text;
  EXPECT_NE(text.find("ReluBackward"), std::string::npos);
  EXPECT_NE(text.find("peak bytes"), std::string::npos);
  // The first layer's input gradient (and the Flatten's backward) are dead: removed.
  EXPECT_NE(text.find("2 dead nodes removed"), std::string::npos) << text;
  const std::string after = text.substr(text.find("graph after passes"));
  EXPECT_EQ(after.find("Reshape(%"), after.rfind("Reshape(%")) << "one Reshape (the forward Flatten) is left";
}

}  // namespace
}  // namespace strata
