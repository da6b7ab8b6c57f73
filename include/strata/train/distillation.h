#pragma once
// Training a student from a teacher: the Distiller callback runs the teacher (in eval mode, without
// recording) on every training batch before the student's forward pass, and its loss() compares the
// student's logits with the teacher's through nn::distillation_loss. Outside training batches (evaluation,
// validation) the same loss is the plain cross-entropy of the student.
//   auto distiller = std::make_shared<train::Distiller>(teacher, nn::DistillationLossOptions{4.0, 0.9});
//   train::Trainer trainer(student, optimizer, distiller->loss());
//   trainer.fit(loader, {.callbacks = {distiller}});
// With cache_teacher_logits the teacher runs once per distinct training example: its logits are kept,
// keyed by the bytes of the example's input, and reused in later epochs (the teacher is a fixed function of
// its input, so this gives the same loss). Only for data without random augmentation: every augmented
// example is new, and the cache would grow by one row per example per epoch.
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "strata/nn/distillation.h"
#include "strata/train/callback.h"
#include "strata/train/trainer.h"

namespace strata::train {

class Distiller : public Callback, public std::enable_shared_from_this<Distiller> {
 public:
  Distiller(std::shared_ptr<nn::Module> teacher, nn::DistillationLossOptions options = {},
            bool cache_teacher_logits = false);
  void on_train_begin(Trainer& trainer) override;
  void on_batch_begin(Trainer& trainer, const data::Batch& batch) override;
  void on_batch_end(Trainer& trainer, int64_t step, const Logs& logs) override;
  void on_train_end(Trainer& trainer) override;
  // The loss to give the Trainer: distillation against the current batch's teacher logits during a
  // training batch, cross-entropy otherwise. It holds this callback alive.
  LossFn loss();
  const nn::DistillationLossOptions& options() const { return options_; }
  nn::Module& teacher() const { return *teacher_; }
  bool caches_teacher_logits() const { return cache_; }
  // Examples the teacher has run on so far (every training example of every batch without the cache; each
  // distinct input once with it).
  int64_t teacher_examples() const { return teacher_examples_; }
  // Examples whose logits the cache holds.
  int64_t cached_examples() const { return static_cast<int64_t>(rows_.size()); }

 private:
  // The teacher's logits for `input`, from the cache where it has them (running the teacher on the
  // examples it has not seen yet).
  Tensor cached_logits(const Tensor& input);

  std::shared_ptr<nn::Module> teacher_;
  nn::DistillationLossOptions options_;
  Tensor teacher_logits_;  // of the training batch in progress; undefined between batches
  bool cache_ = false;
  int64_t teacher_examples_ = 0;
  int64_t classes_ = 0;              // logits per example in the cache
  std::vector<int64_t> logit_dims_;  // the shape of one example's logits
  // Two independent 64-bit hashes of an example's input bytes (FNV-1a -> row, std::hash checked on a hit:
  // a 128-bit key) and each row's logits (rows x classes_).
  std::unordered_map<uint64_t, int64_t> rows_;
  std::vector<size_t> check_;
  std::vector<float> logits_;
};

}  // namespace strata::train
