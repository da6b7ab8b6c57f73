#pragma once
// CenterNet (Zhou et al., "Objects as Points", 2019): a single-stage, anchor-free detector. A backbone from
// the zoo (a ResNet with the ImageNet stem, models/resnet.h) gives features at strides 4, 8 and 16; a small
// top-down neck (1x1 lateral convolutions, nearest 2x up-sampling, sums, one 3x3 convolution) brings them
// to stride 4, where three heads predict per cell:
//   heatmap [N, K, H/4, W/4]  logits of "an object of class k is centred here" (sigmoid),
//   size    [N, 2, H/4, W/4]  box width and height, in cells,
//   offset  [N, 2, H/4, W/4]  the centre's sub-cell position.
// Training targets: a Gaussian bump per object at its centre cell in its class's heat map (sigma = box
// side / 6 per axis, exactly 1 at the centre), with the penalty-reduced focal loss of the paper on the heat
// map and L1 losses on size (weight 0.1) and offset at the centre cells, normalised by the object count.
// Decoding: heat-map peaks (3x3 max), the top max_detections above score_threshold, boxes from size and
// offset, then per-class NMS (metrics::batched_nms).
// As a train::TrainingModule (one optimiser, "model") it logs loss, heatmap_loss, size_loss, offset_loss,
// and on the validation set the same plus val_map50 (the mean over evaluation batches of each batch's
// mAP@0.5; `strata detect` reports the exact figures over a whole split).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/metrics/detection.h"
#include "strata/models/resnet.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/train/training_module.h"

namespace strata::models {

struct CenterNetOptions {
  int64_t in_channels = 1;
  int64_t num_classes = 10;
  int64_t width = 32;             // backbone planes: width, 2 width, 4 width (one BasicBlock each)
  int64_t head_channels = 64;     // channels of the neck's output
  double size_weight = 0.1;       // weight of the size L1 loss
  double score_threshold = 0.05;  // decoding: lowest heat-map score kept
  int64_t max_detections = 20;    // decoding: peaks kept per image before NMS
  double nms_iou = 0.5;           // decoding: per-class NMS threshold
};

// The three head outputs.
struct CenterNetMaps {
  Tensor heatmap, size, offset;
};

// Dense training targets for a batch, at the heads' resolution.
struct CenterNetTargets {
  Tensor heatmap;  // [N, K, h, w] Gaussian bumps, 1 at object centres
  Tensor size;     // [N, 2, h, w] width and height in cells at centre cells, 0 elsewhere
  Tensor offset;   // [N, 2, h, w] centre offset within its cell at centre cells
  Tensor mask;     // [N, 1, h, w] 1 at centre cells
  int64_t objects = 0;
};

// The loss terms of one batch (0-dim tensors).
struct CenterNetLoss {
  Tensor loss, heatmap, size, offset;
};

class CenterNetImpl : public train::TrainingModule {
 public:
  static constexpr int64_t kStride = 4;
  explicit CenterNetImpl(const CenterNetOptions& options = {});
  std::vector<std::string> optimizer_names() const override { return {"model"}; }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override;
  void training_step(const data::Batch& batch, train::StepContext& ctx) override;
  void validation_step(const data::Batch& batch, train::StepContext& ctx) override;
  // [N, C, H, W] (H, W multiples of 16) -> the head outputs.
  CenterNetMaps heads(const Tensor& x);
  // The heads concatenated: [N, K + 4, H/4, W/4] (heatmap logits, size, offset).
  Tensor forward(const Tensor& x) override;
  // Targets from padded boxes [N, M, 5] (class, x1, y1, x2, y2 in input pixels; class < 0 pads) for heads of
  // h x w cells.
  CenterNetTargets encode(const Tensor& boxes, int64_t h, int64_t w) const;
  // The focal + L1 losses of head outputs against targets.
  CenterNetLoss loss(const CenterNetMaps& maps, const CenterNetTargets& targets) const;
  // Boxes in input pixels, scores and labels per image of head outputs.
  std::vector<metrics::Detections> decode(const CenterNetMaps& maps) const;
  // Detections for images [N, C, H, W], in eval mode without recording.
  std::vector<metrics::Detections> detect(const Tensor& images);
  const CenterNetOptions& options() const { return options_; }

  ResNet backbone;
  std::vector<nn::Conv2d> lateral;  // 1x1: stride 4, 8, 16 features -> head_channels
  nn::Sequential smooth;            // 3x3 conv - BN - ReLU on the merged stride-4 map
  nn::Sequential heatmap_head, size_head, offset_head;

 private:
  CenterNetOptions options_;
};
STRATA_MODULE_HOLDER(CenterNet);

}  // namespace strata::models
