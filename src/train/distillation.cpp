#include "strata/train/distillation.h"

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/ops/loss.h"

namespace strata::train {

Distiller::Distiller(std::shared_ptr<nn::Module> teacher, nn::DistillationLossOptions options)
    : teacher_(std::move(teacher)), options_(options) {
  STRATA_CHECK(teacher_ != nullptr, "Distiller: no teacher model given");
  STRATA_CHECK(options_.temperature > 0.0, "Distiller: temperature must be positive, got {}",
               options_.temperature);
  STRATA_CHECK(options_.alpha >= 0.0 && options_.alpha <= 1.0, "Distiller: alpha must be in [0, 1], got {}",
               options_.alpha);
}

void Distiller::on_train_begin(Trainer& trainer) {
  STRATA_CHECK(&trainer.model() != teacher_.get(), "Distiller: the teacher is the model being trained");
  teacher_->eval();
}

void Distiller::on_batch_begin(Trainer&, const data::Batch& batch) {
  NoGradGuard no_grad;
  teacher_->eval();  // stays in eval even if something set the whole tree to train
  teacher_logits_ = (*teacher_)(batch.input).detach();
}

void Distiller::on_batch_end(Trainer&, int64_t, const Logs&) { teacher_logits_ = Tensor(); }

void Distiller::on_train_end(Trainer&) { teacher_logits_ = Tensor(); }

LossFn Distiller::loss() {
  std::shared_ptr<Distiller> self = shared_from_this();
  return [self](const Tensor& output, const Tensor& target) {
    if (!self->teacher_logits_.defined()) return ops::cross_entropy(output, target);
    STRATA_CHECK(self->teacher_logits_.shape() == output.shape(),
                 "Distiller: the teacher gives logits {} and the student {} for the same batch",
                 self->teacher_logits_.shape().str(), output.shape().str());
    return nn::distillation_loss(output, self->teacher_logits_, target, self->options_);
  };
}

}  // namespace strata::train
