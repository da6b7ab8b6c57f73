#include "strata/nn/distillation.h"

#include "strata/core/error.h"
#include "strata/ops/loss.h"
#include "strata/ops/softmax.h"

namespace strata::nn {

Tensor distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits, const Tensor& target,
                         const DistillationLossOptions& options) {
  STRATA_CHECK(options.temperature > 0.0, "distillation_loss: temperature must be positive, got {}",
               options.temperature);
  STRATA_CHECK(options.alpha >= 0.0 && options.alpha <= 1.0,
               "distillation_loss: alpha must be in [0, 1], got {}", options.alpha);
  STRATA_CHECK(student_logits.defined() && teacher_logits.defined() && target.defined(),
               "distillation_loss: student logits, teacher logits and target must all be given");
  STRATA_CHECK(student_logits.dim() == 2 && student_logits.shape() == teacher_logits.shape(),
               "distillation_loss: student logits {} and teacher logits {} must both be [N, C] of one shape",
               student_logits.shape().str(), teacher_logits.shape().str());
  STRATA_CHECK(target.dim() == 1 && target.size(0) == student_logits.size(0),
               "distillation_loss: target {} must be [N] class indices for logits {}", target.shape().str(),
               student_logits.shape().str());
  const double t = options.temperature;
  const auto n = static_cast<double>(student_logits.size(0));
  const Tensor teacher = teacher_logits.detach().to(student_logits.dtype());
  const Tensor log_p_student = ops::log_softmax(student_logits / t, 1);
  const Tensor log_p_teacher = ops::log_softmax(teacher / t, 1);
  const Tensor soft = ops::kl_div(log_p_student, log_p_teacher, ops::Reduction::Sum, true) * (t * t / n);
  if (options.alpha == 1.0) return soft;
  const Tensor hard = ops::cross_entropy(student_logits, target);
  if (options.alpha == 0.0) return hard;
  return soft * options.alpha + hard * (1.0 - options.alpha);
}

DistillationLossImpl::DistillationLossImpl(DistillationLossOptions options)
    : Module("DistillationLoss"), options(options) {}

Tensor DistillationLossImpl::forward(const Tensor& student_logits, const Tensor& teacher_logits,
                                     const Tensor& target) {
  return distillation_loss(student_logits, teacher_logits, target, options);
}

Tensor DistillationLossImpl::forward(const Tensor&) {
  STRATA_FAIL("DistillationLoss: forward needs (student_logits, teacher_logits, target)");
}

std::string DistillationLossImpl::extra_repr() const {
  return fmt::format("temperature={}, alpha={}", options.temperature, options.alpha);
}

}  // namespace strata::nn
