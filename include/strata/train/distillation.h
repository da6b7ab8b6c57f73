#pragma once
// Training a student from a teacher: the Distiller callback runs the teacher (in eval mode, without
// recording) on every training batch before the student's forward pass, and its loss() compares the
// student's logits with the teacher's through nn::distillation_loss. Outside training batches (evaluation,
// validation) the same loss is the plain cross-entropy of the student.
//   auto distiller = std::make_shared<train::Distiller>(teacher, nn::DistillationLossOptions{4.0, 0.9});
//   train::Trainer trainer(student, optimizer, distiller->loss());
//   trainer.fit(loader, {.callbacks = {distiller}});
#include <memory>

#include "strata/nn/distillation.h"
#include "strata/train/callback.h"
#include "strata/train/trainer.h"

namespace strata::train {

class Distiller : public Callback, public std::enable_shared_from_this<Distiller> {
 public:
  Distiller(std::shared_ptr<nn::Module> teacher, nn::DistillationLossOptions options = {});
  void on_train_begin(Trainer& trainer) override;
  void on_batch_begin(Trainer& trainer, const data::Batch& batch) override;
  void on_batch_end(Trainer& trainer, int64_t step, const Logs& logs) override;
  void on_train_end(Trainer& trainer) override;
  // The loss to give the Trainer: distillation against the current batch's teacher logits during a
  // training batch, cross-entropy otherwise. It holds this callback alive.
  LossFn loss();
  const nn::DistillationLossOptions& options() const { return options_; }
  nn::Module& teacher() const { return *teacher_; }

 private:
  std::shared_ptr<nn::Module> teacher_;
  nn::DistillationLossOptions options_;
  Tensor teacher_logits_;  // of the training batch in progress; undefined between batches
};

}  // namespace strata::train
