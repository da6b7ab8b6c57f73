#pragma once
// Knowledge distillation loss (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural
// Network"): the student matches the teacher's temperature-softened class distribution and the hard labels,
//   loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * CE(student, target)
// with the KL summed over classes and averaged over the batch (PyTorch's
// F.kl_div(log_softmax(student / T), log_softmax(teacher / T), reduction="batchmean", log_target=True)).
// T^2 keeps the soft term's gradients on the scale of the hard term's as T changes.
#include "strata/nn/module.h"

namespace strata::nn {

struct DistillationLossOptions {
  double temperature = 4.0;  // T > 0
  double alpha = 0.9;        // weight of the soft (teacher) term, in [0, 1]
};

// The distillation loss of student logits [N, C] against teacher logits [N, C] and class indices [N]; the
// teacher's logits get no gradient.
Tensor distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits, const Tensor& target,
                         const DistillationLossOptions& options = {});

// distillation_loss as a module: forward(student_logits, teacher_logits, target).
class DistillationLossImpl : public Module {
 public:
  explicit DistillationLossImpl(DistillationLossOptions options = {});
  Tensor forward(const Tensor& student_logits, const Tensor& teacher_logits, const Tensor& target);
  Tensor forward(const Tensor& input) override;  // throws: the loss needs teacher logits and a target
  std::string extra_repr() const override;
  DistillationLossOptions options;
};
STRATA_MODULE_HOLDER(DistillationLoss);

}  // namespace strata::nn
