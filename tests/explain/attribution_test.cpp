// What the attribution methods share: targets, eval mode, chunked input gradients, input checks.
#include "strata/explain/attribution.h"

#include <gtest/gtest.h>

#include "explain/explain_test_util.h"
#include "strata/explain/gradient_x_input.h"
#include "strata/explain/saliency.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::error_of;

TEST(Attribution, TargetDefaultsToEachExamplesTopClass) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({5, 2, 5, 5}, 2).detach();
  const std::vector<int64_t> top = (*net)(x).argmax(1).to_vector<int64_t>();
  EXPECT_EQ(explain::resolve_target(*net, x, {.internal_batch_size = 2}, "m"), top);
  EXPECT_EQ(explain::resolve_target(*net, x, {.target = {0, 1, 2, 3, 0}}, "m"),
            (std::vector<int64_t>{0, 1, 2, 3, 0}));
}

TEST(Attribution, InputGradientsAreEachRowsOwnAndLeaveParametersAlone) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({3, 2, 5, 5}, 2).detach();
  const std::vector<int64_t> target{2, 0, 1};
  const Tensor g = explain::input_gradients(*net, x, target, 2, "m");
  for (int64_t i = 0; i < 3; ++i) {
    Tensor xi = x.narrow(0, i, 1).clone().requires_grad_();
    (*net)(xi).select(1, target[i]).sum().backward();
    EXPECT_TRUE(allclose(g.narrow(0, i, 1), xi.grad(), 1e-12, 1e-14)) << i;
  }
  net->zero_grad();
  explain::input_gradients(*net, x, target, 3, "m");
  for (const auto& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Attribution, TheModelRunsInEvalModeAndGetsItsModeBack) {
  // Dropout would make the gradient random in training mode; the methods switch it off and back.
  manual_seed(0);
  auto net = nn::Sequential(nn::Flatten(), nn::Dropout(0.5), nn::Linear(8, 3)).ptr();
  net->to(kFloat64);
  net->train();
  const Tensor x = testing::input({2, 2, 4}, 3).detach();
  const Tensor a = explain::saliency(*net, x, {.target = {0, 1}});
  const Tensor b = explain::saliency(*net, x, {.target = {0, 1}});
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(net->is_training());
}

TEST(Attribution, GradientXInputOfALinearModelIsEachInputsContribution) {
  // For f(x) = w.x + b, gradient x input is w_i x_i: the attributions sum to f(x) - b.
  manual_seed(0);
  nn::Linear linear(6, 2);
  linear->to(kFloat64);
  const Tensor x = testing::input({4, 6}, 9).detach();
  const Tensor attr = explain::gradient_x_input(*linear, x, {.target = {1, 1, 0, 1}});
  const std::vector<int64_t> t{1, 1, 0, 1};
  const Tensor out = (*linear)(x);
  for (int64_t i = 0; i < 4; ++i) {
    const double f = out.at({i, t[i]}) - linear->bias.at({t[i]});
    EXPECT_NEAR(attr.select(0, i).sum().item(), f, 1e-12);
  }
}

TEST(Attribution, Errors) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 2).detach();
  EXPECT_NE(error_of([&] {
              explain::saliency(*net, x, {.target = {1, 2, 3}});
            }).find("saliency: target has 3 entries for an input batch of 2 (shape [2, 2, 5, 5])"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::saliency(*net, x, {.target = {1, 4}});
            }).find("saliency: target[1] = 4 is not a class of the model's output [N, 4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::saliency(*net, x, {.internal_batch_size = 0});
            }).find("internal_batch_size must be >= 1"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::saliency(*net, zeros({5}, {.dtype = kFloat64}));
            }).find("saliency: the input must be a batch [N, ...] with N >= 1, got shape [5]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::gradient_x_input(*net, zeros({2, 2, 5, 5}, {.dtype = kInt64}));
            }).find("gradient_x_input: the input must be floating point"),
            std::string::npos);
  nn::Sequential elementwise{nn::Tanh()};  // returns [N, C, H, W], not scores
  EXPECT_NE(error_of([&] {
              explain::saliency(*elementwise, x);
            }).find("saliency: the model must return class scores [N, C], got shape [2, 2, 5, 5]"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
