// The distillation loss's properties and its errors.
#include "strata/nn/distillation.h"

#include "strata/nn/loss.h"
#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Distillation, IdenticalLogitsLeaveOnlyTheHardTerm) {
  const Tensor logits = randn({6, 4});
  const Tensor target = from_vector<int64_t>({0, 1, 2, 3, 0, 1});
  const double ce = ops::cross_entropy(logits, target).item();
  EXPECT_NEAR(distillation_loss(logits, logits, target, {.temperature = 4, .alpha = 1.0}).item(), 0.0, 1e-6);
  EXPECT_NEAR(distillation_loss(logits, logits, target, {.temperature = 4, .alpha = 0.3}).item(), 0.7 * ce,
              1e-5);
  EXPECT_NEAR(distillation_loss(logits, randn({6, 4}), target, {.temperature = 2, .alpha = 0.0}).item(), ce,
              1e-6);
}

TEST(Distillation, TeacherGetsNoGradient) {
  const Tensor student = randn({3, 5}).requires_grad_();
  const Tensor teacher = randn({3, 5}).requires_grad_();
  distillation_loss(student, teacher, from_vector<int64_t>({1, 2, 3})).backward();
  EXPECT_TRUE(student.grad().defined());
  EXPECT_FALSE(teacher.grad().defined());
}

TEST(Distillation, ModuleForwardsAndPrints) {
  DistillationLoss loss(DistillationLossOptions{.temperature = 2.0, .alpha = 0.5});
  const Tensor s = randn({2, 3}), t = randn({2, 3});
  const Tensor y = from_vector<int64_t>({2, 0});
  EXPECT_DOUBLE_EQ(loss(s, t, y).item(),
                   distillation_loss(s, t, y, {.temperature = 2.0, .alpha = 0.5}).item());
  EXPECT_EQ(loss->extra_repr(), "temperature=2, alpha=0.5");
  EXPECT_ERROR_CONTAINS(loss->forward(s), "needs (student_logits, teacher_logits, target)");
}

TEST(Distillation, RejectsBadInput) {
  const Tensor s = randn({2, 3}), y = from_vector<int64_t>({0, 1});
  EXPECT_ERROR_CONTAINS(distillation_loss(s, randn({2, 4}), y), "teacher logits [2, 4]");
  EXPECT_ERROR_CONTAINS(distillation_loss(randn({2, 3, 1}), randn({2, 3, 1}), y), "[N, C]");
  EXPECT_ERROR_CONTAINS(distillation_loss(s, s, from_vector<int64_t>({0, 1, 2})), "target [3]");
  EXPECT_ERROR_CONTAINS(distillation_loss(s, s, y, {.temperature = 0.0}), "temperature must be positive");
  EXPECT_ERROR_CONTAINS(distillation_loss(s, s, y, {.alpha = 1.5}), "alpha must be in [0, 1]");
  EXPECT_ERROR_CONTAINS(distillation_loss(s, Tensor(), y), "must all be given");
}

}  // namespace
}  // namespace strata::nn
