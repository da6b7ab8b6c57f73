#include "strata/ops/loss.h"

#include <cmath>

#include "strata/nn/loss.h"
#include "test_util.h"

namespace strata::ops {
namespace {

TEST(Loss, RegressionValues) {
  const Tensor x = from_vector<float>({0.0f, 2.0f, -1.0f});
  const Tensor y = from_vector<float>({1.0f, 2.0f, 1.0f});
  EXPECT_NEAR(mse_loss(x, y).item(), (1.0 + 0.0 + 4.0) / 3, 1e-6);
  EXPECT_NEAR(l1_loss(x, y, Reduction::Sum).item(), 3.0, 1e-6);
  // smooth_l1 beta 1: |d|=1 -> 0.5, 0 -> 0, 2 -> 1.5
  EXPECT_NEAR(smooth_l1_loss(x, y, Reduction::Sum).item(), 2.0, 1e-6);
  // huber delta 1.5: |d|=1 -> 0.5, 2 -> 1.5 * (2 - 0.75) = 1.875
  EXPECT_NEAR(huber_loss(x, y, Reduction::Sum, 1.5).item(), 2.375, 1e-6);
  EXPECT_EQ(mse_loss(x, y, Reduction::None).shape(), (Shape{3}));
}

TEST(Loss, CrossEntropyMatchesTheFormula) {
  const Tensor logits = from_vector<double>({1.0, 2.0, 3.0, 1.0, 1.0, 1.0}, {2, 3});
  const Tensor target = from_vector<int64_t>({2, 0});
  const double l0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double l1 = std::log(3.0);
  EXPECT_NEAR(cross_entropy(logits, target).item(), (l0 + l1) / 2, 1e-12);
  // Ignoring the second sample leaves the first.
  EXPECT_NEAR(cross_entropy(logits, from_vector<int64_t>({2, -100})).item(), l0, 1e-12);
  // The module form gives the same.
  nn::CrossEntropyLoss loss;
  EXPECT_NEAR(loss(logits, target).item(), (l0 + l1) / 2, 1e-12);
}

TEST(Loss, BceWithLogitsIsStableForLargeLogits) {
  const Tensor x = from_vector<double>({1000.0, -1000.0});
  const Tensor t = from_vector<double>({0.0, 1.0});
  const Tensor l = binary_cross_entropy_with_logits(x, t, {}, {}, Reduction::None);
  EXPECT_NEAR(l.at({0}), 1000.0, 1e-9);
  EXPECT_NEAR(l.at({1}), 1000.0, 1e-9);
  // Probabilities of exactly 0 and 1 stay finite (log clamped at -100).
  EXPECT_NEAR(binary_cross_entropy(from_vector<double>({0.0}), from_vector<double>({1.0})).item(), 100.0, 1e-9);
}

TEST(Loss, BadTargetsRaiseClearErrors) {
  const Tensor logits = zeros({2, 3});
  try {
    cross_entropy(logits, from_vector<int64_t>({0, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "nll_loss: target 3 is out of range for 3 classes");
  }
  EXPECT_THROW(cross_entropy(logits, from_vector<int64_t>({0, 1, 2})), Error);
  EXPECT_THROW(cross_entropy(logits, from_vector<float>({0, 1})), Error);
  EXPECT_THROW(mse_loss(zeros({2}), zeros({3})), Error);
  try {
    mse_loss(zeros({2}), zeros({3}));
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "mse_loss: input shape [2] and target shape [3] differ");
  }
}

}  // namespace
}  // namespace strata::ops
