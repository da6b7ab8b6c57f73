#include "strata/models/segmenter.h"

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/metrics/segmentation.h"
#include "strata/ops/dice_loss.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/optim/adam.h"

namespace strata::models {

SegmenterImpl::SegmenterImpl(std::shared_ptr<nn::Module> m, const SegmenterOptions& options)
    : TrainingModule("Segmenter"), model(std::move(m)), options_(options) {
  STRATA_CHECK(model != nullptr, "Segmenter: a model is required");
  STRATA_CHECK(options.num_classes >= 2 && options.dice_weight >= 0,
               "Segmenter: num_classes ({}) must be at least 2 and dice_weight ({}) >= 0",
               options.num_classes, options.dice_weight);
  register_module("model", model);
}

std::vector<std::shared_ptr<optim::Optimizer>> SegmenterImpl::configure_optimizers() {
  return {make_optimizer("model", parameters(), [](const std::vector<Tensor>& params) {
    return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = 1e-3});
  })};
}

Tensor SegmenterImpl::forward(const Tensor& x) {
  Tensor logits = model->forward(x);
  STRATA_CHECK(logits.dim() == 4 && logits.size(1) == options_.num_classes,
               "Segmenter: the model must give logits [N, {}, H, W], got {}", options_.num_classes,
               logits.shape().str());
  return logits;
}

SegmentationLoss SegmenterImpl::loss(const Tensor& logits, const Tensor& target) const {
  STRATA_CHECK(target.dim() == 3 && target.dtype() == kInt64 && logits.size(0) == target.size(0) &&
                   logits.size(2) == target.size(1) && logits.size(3) == target.size(2),
               "Segmenter: target must be i64 class maps [N, H, W] matching logits {}, got {}",
               logits.shape().str(), target.shape().str());
  SegmentationLoss l;
  l.cross_entropy = ops::cross_entropy(logits, target);
  l.dice = ops::dice_loss(logits, target);
  l.loss =
      options_.dice_weight > 0 ? ops::add(l.cross_entropy, l.dice, options_.dice_weight) : l.cross_entropy;
  return l;
}

Tensor SegmenterImpl::predict(const Tensor& x) {
  const bool was_training = is_training();
  eval();
  NoGradGuard no_grad;
  Tensor labels = ops::argmax(forward(x), 1);
  train(was_training);
  return labels;
}

void SegmenterImpl::training_step(const data::Batch& batch, train::StepContext& ctx) {
  optim::Optimizer& opt = ctx.optimizer(0);
  opt.zero_grad();
  const Tensor logits = forward(batch.input);
  const SegmentationLoss l = loss(logits, batch.target);
  l.loss.backward();
  opt.step();
  ctx.log("loss", l.loss.item<double>());
  ctx.log("cross_entropy", l.cross_entropy.item<double>());
  ctx.log("dice", l.dice.item<double>());
  ctx.log("pixel_accuracy", metrics::pixel_accuracy(logits.detach(), batch.target, options_.num_classes));
}

void SegmenterImpl::validation_step(const data::Batch& batch, train::StepContext& ctx) {
  const Tensor logits = forward(batch.input);
  const SegmentationLoss l = loss(logits, batch.target);
  metrics::SegmentationMetrics m(options_.num_classes);
  m.update(logits, batch.target);
  ctx.log("loss", l.loss.item<double>());
  ctx.log("cross_entropy", l.cross_entropy.item<double>());
  ctx.log("dice", l.dice.item<double>());
  ctx.log("pixel_accuracy", m.pixel_accuracy());
  ctx.log("miou", m.mean_iou());
}

}  // namespace strata::models
