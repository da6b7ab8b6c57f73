// dice_loss: known values and clear errors for bad input.
#include "strata/ops/dice_loss.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"

namespace strata::ops {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(DiceLoss, ConfidentCorrectIsNearZeroAndWrongNearOne) {
  const Tensor target = from_vector<int64_t>({0, 1, 1, 0}, {1, 2, 2});
  // Logits +-20 on the right class: p ~ one_hot, dice ~ 1 for both classes.
  const Tensor right = from_vector<float>({20, -20, -20, 20, -20, 20, 20, -20}, {1, 2, 2, 2});
  EXPECT_NEAR(dice_loss(right, target, 0.0).item(), 0.0, 1e-6);
  EXPECT_NEAR(dice_loss(neg(right), target, 0.0).item(), 1.0, 1e-6);
}

TEST(DiceLoss, UniformPredictionHandComputed) {
  // Two classes, four pixels, p = 1/2 everywhere; class 0 on one pixel: dice_0 = 2 * 0.5 / (2 + 1),
  // class 1 on three: dice_1 = 2 * 1.5 / (2 + 3).
  const Tensor target = from_vector<int64_t>({0, 1, 1, 1}, {1, 4});
  const Tensor x = zeros({1, 2, 4});
  EXPECT_NEAR(dice_loss(x, target, 0.0).item(), 1.0 - (1.0 / 3.0 + 3.0 / 5.0) / 2.0, 1e-6);
}

TEST(DiceLoss, RejectsBadInput) {
  const Tensor x = zeros({2, 3, 4, 4});
  EXPECT_NE(error_of([&] {
              dice_loss(x, zeros({2, 4, 4}, {.dtype = kInt64}).narrow(1, 0, 3));
            }).find("does not match"),
            std::string::npos);
  EXPECT_NE(error_of([&] { dice_loss(x, zeros({2, 4, 4})); }).find("target must be i64"), std::string::npos);
  EXPECT_NE(error_of([&] {
              dice_loss(x, full({2, 4, 4}, 3, {.dtype = kInt64}));
            }).find("label 3, outside [0, 3)"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              dice_loss(x, zeros({2, 4, 4}, {.dtype = kInt64}), -1);
            }).find("smooth"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::ops
