#pragma once
// Segmenter: trains a network that maps images to per-pixel class logits [N, C, H, W] (a U-Net, say) on
// cross-entropy + dice_weight * Dice (ops::dice_loss), as a train::TrainingModule with one optimiser
// ("model"). Logs per epoch loss, cross_entropy, dice and pixel_accuracy, and on the validation set the same
// plus mean IoU (val_miou: the mean over evaluation batches of each batch's mIoU; the exact figure over a
// whole split comes from metrics::SegmentationMetrics, as `strata segment` reports it).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/train/training_module.h"

namespace strata::models {

struct SegmenterOptions {
  int64_t num_classes = 2;   // classes of the targets (background included)
  double dice_weight = 1.0;  // weight of the Dice term beside cross-entropy
};

// The per-pixel loss terms of one batch (0-dim tensors).
struct SegmentationLoss {
  Tensor loss, cross_entropy, dice;
};

class SegmenterImpl : public train::TrainingModule {
 public:
  SegmenterImpl(std::shared_ptr<nn::Module> model, const SegmenterOptions& options = {});
  // One network with an optimiser: "model" (default Adam, lr 1e-3).
  std::vector<std::string> optimizer_names() const override { return {"model"}; }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override;
  void training_step(const data::Batch& batch, train::StepContext& ctx) override;
  void validation_step(const data::Batch& batch, train::StepContext& ctx) override;
  // [N, C_in, H, W] -> [N, num_classes, H, W] logits.
  Tensor forward(const Tensor& x) override;
  // Cross-entropy + dice_weight * Dice of logits against i64 class maps [N, H, W].
  SegmentationLoss loss(const Tensor& logits, const Tensor& target) const;
  // Class maps i64 [N, H, W] (argmax of the logits), in eval mode without recording.
  Tensor predict(const Tensor& x);
  const SegmenterOptions& options() const { return options_; }
  std::shared_ptr<nn::Module> model;

 private:
  SegmenterOptions options_;
};
STRATA_MODULE_HOLDER(Segmenter);

}  // namespace strata::models
