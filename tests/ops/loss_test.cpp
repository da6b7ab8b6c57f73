#include "strata/ops/loss.h"

#include <cmath>
#include <limits>

#include "test_util.h"

namespace strata::ops {
namespace {

// The message of the strata::Error that `fn` throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Loss, RegressionValues) {
  const Tensor x = from_vector<float>({0.0f, 2.0f, -1.0f});
  const Tensor y = from_vector<float>({1.0f, 2.0f, 1.0f});
  EXPECT_NEAR(mse_loss(x, y).item(), (1.0 + 0.0 + 4.0) / 3, 1e-6);
  EXPECT_NEAR(l1_loss(x, y, Reduction::Sum).item(), 3.0, 1e-6);
  // smooth_l1 beta 1: |d|=1 -> 0.5, 0 -> 0, 2 -> 1.5
  EXPECT_NEAR(smooth_l1_loss(x, y, Reduction::Sum).item(), 2.0, 1e-6);
  // beta 0 is plain L1.
  EXPECT_NEAR(smooth_l1_loss(x, y, Reduction::Sum, 0.0).item(), 3.0, 1e-6);
  // huber delta 1.5: |d|=1 -> 0.5, 2 -> 1.5 * (2 - 0.75) = 1.875
  EXPECT_NEAR(huber_loss(x, y, Reduction::Sum, 1.5).item(), 2.375, 1e-6);
  EXPECT_EQ(mse_loss(x, y, Reduction::None).shape(), (Shape{3}));
  EXPECT_EQ(mse_loss(x, y).dim(), 0);
}

TEST(Loss, CrossEntropyMatchesTheFormula) {
  const Tensor logits = from_vector<double>({1.0, 2.0, 3.0, 1.0, 1.0, 1.0}, {2, 3});
  const Tensor target = from_vector<int64_t>({2, 0});
  const double l0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double l1 = std::log(3.0);
  EXPECT_NEAR(cross_entropy(logits, target).item(), (l0 + l1) / 2, 1e-12);
  // Ignoring the second sample leaves the first.
  EXPECT_NEAR(cross_entropy(logits, from_vector<int64_t>({2, -100})).item(), l0, 1e-12);
  // One-hot probabilities give the same as indices.
  const Tensor one_hot = from_vector<double>({0, 0, 1, 1, 0, 0}, {2, 3});
  EXPECT_NEAR(cross_entropy(logits, one_hot).item(), (l0 + l1) / 2, 1e-12);
  // With every target ignored the mean is 0 / 0, as in PyTorch.
  EXPECT_TRUE(std::isnan(cross_entropy(logits, from_vector<int64_t>({-100, -100})).item()));
  // Sum of none equals sum.
  EXPECT_NEAR(cross_entropy(logits, target, {.reduction = Reduction::None}).sum().item(),
              cross_entropy(logits, target, {.reduction = Reduction::Sum}).item(), 1e-12);
}

TEST(Loss, AllIgnoredTargetsGiveZeroGradients) {
  // PyTorch gives ignored entries a zero gradient even when the mean divides by zero.
  Tensor logits = randn({2, 3}, {.dtype = kFloat64}).requires_grad_();
  cross_entropy(logits, from_vector<int64_t>({-100, -100}), {.label_smoothing = 0.1}).backward();
  for (double g : logits.grad().to_vector<double>()) EXPECT_EQ(g, 0.0);
}

TEST(Loss, NllPicksTheTargetLogProbability) {
  const Tensor logp = from_vector<double>({-0.5, -1.5, -2.5, -0.1, -3.0, -4.0}, {2, 3});
  EXPECT_NEAR(nll_loss(logp, from_vector<int64_t>({1, 0})).item(), (1.5 + 0.1) / 2, 1e-12);
  // Weighted mean divides by the weights of the picked classes.
  const Tensor w = from_vector<double>({2.0, 1.0, 1.0});
  EXPECT_NEAR(nll_loss(logp, from_vector<int64_t>({1, 0}), {.weight = w}).item(), (1.5 + 0.2) / 3, 1e-12);
}

TEST(Loss, BceWithLogitsIsStableForLargeLogits) {
  const Tensor x = from_vector<double>({1000.0, -1000.0});
  const Tensor t = from_vector<double>({0.0, 1.0});
  const Tensor l = binary_cross_entropy_with_logits(x, t, {}, {}, Reduction::None);
  EXPECT_NEAR(l.at({0}), 1000.0, 1e-9);
  EXPECT_NEAR(l.at({1}), 1000.0, 1e-9);
  // Probabilities of exactly 0 and 1 stay finite (log clamped at -100).
  EXPECT_NEAR(binary_cross_entropy(from_vector<double>({0.0}), from_vector<double>({1.0})).item(), 100.0,
              1e-9);
}

TEST(Loss, KlDivTreatsZeroTargetsAsZeroTerms) {
  const Tensor input = from_vector<double>({-1.0, -2.0});
  const Tensor target = from_vector<double>({0.0, 1.0});
  EXPECT_NEAR(kl_div(input, target, Reduction::Sum).item(), 1.0 * (0.0 + 2.0), 1e-12);
  // log_target: exp(t) * (t - x)
  EXPECT_NEAR(kl_div(input, from_vector<double>({0.0, 0.0}), Reduction::Sum, true).item(), 3.0, 1e-12);
}

TEST(Loss, BadTargetsRaiseClearErrors) {
  const Tensor logits = zeros({2, 3});
  EXPECT_EQ(error_of([&] {
              cross_entropy(logits, from_vector<int64_t>({0, 3}));
            }),
            "cross_entropy: target 3 is out of range for 3 classes");
  EXPECT_EQ(error_of([&] {
              nll_loss(logits, from_vector<int64_t>({-1, 0}));
            }),
            "nll_loss: target -1 is out of range for 3 classes");
  EXPECT_EQ(error_of([&] {
              cross_entropy(logits, from_vector<int64_t>({0, 1, 2}));
            }),
            "cross_entropy: target shape [3] does not match input shape [2, 3] (expected [2])");
  EXPECT_EQ(
      error_of([&] {
        cross_entropy(logits, from_vector<float>({0, 1}));
      }),
      "cross_entropy: probability target of shape [2] must match input shape [2, 3] (class-index targets "
      "must be i64, got f32)");
  EXPECT_EQ(error_of([&] {
              cross_entropy(logits, from_vector<int64_t>({0, 1}), {.weight = ones({2})});
            }),
            "cross_entropy: weight of shape [2] for 3 classes");
  EXPECT_EQ(error_of([&] {
              cross_entropy(logits, from_vector<int64_t>({0, 1}), {.label_smoothing = 1.5});
            }),
            "cross_entropy: label_smoothing must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of([&] { cross_entropy(zeros({}), from_vector<int64_t>({0})); }),
            "cross_entropy: input must have a class dim, got shape []");
  EXPECT_EQ(error_of([&] { cross_entropy(zeros({3}), from_vector<int64_t>({0})); }),
            "cross_entropy: for unbatched input of shape [3] the target must be 0-dim, got [1]");
  EXPECT_NE(error_of([&] {
              nll_loss(zeros({2, 3}, {.dtype = kInt64}), from_vector<int64_t>({0, 1}));
            }).find("nll_loss: input must be floating"),
            std::string::npos);
}

TEST(Loss, BadShapesAndOptionsRaiseClearErrors) {
  EXPECT_EQ(error_of([] { mse_loss(zeros({2}), zeros({3})); }),
            "mse_loss: input shape [2] and target shape [3] differ");
  EXPECT_EQ(error_of([] { l1_loss(zeros({2}), zeros({2}, {.dtype = kInt64})); }),
            "l1_loss: input and target must be floating, got f32 and i64");
  EXPECT_EQ(error_of([] { smooth_l1_loss(zeros({2}), zeros({2}), Reduction::Mean, -1.0); }),
            "smooth_l1_loss: beta must be non-negative, got -1");
  EXPECT_EQ(error_of([] { huber_loss(zeros({2}), zeros({2}), Reduction::Mean, 0.0); }),
            "huber_loss: delta must be positive, got 0");
  EXPECT_EQ(error_of([] {
              kl_div(zeros({2, 3}), zeros({3, 2}));
            }),
            "kl_div: input shape [2, 3] and target shape [3, 2] differ");
  EXPECT_EQ(error_of([] {
              binary_cross_entropy(zeros({2, 3}), zeros({2, 3}), ones({2}));
            }),
            "binary_cross_entropy: weight of shape [2] does not broadcast to input shape [2, 3]");
  EXPECT_EQ(
      error_of([] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), {}, ones({4}));
      }),
      "binary_cross_entropy_with_logits: pos_weight of shape [4] does not broadcast to input shape [2, 3]");
}

}  // namespace
}  // namespace strata::ops
