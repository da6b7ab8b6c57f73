#pragma once
// SimCLR pre-training (Chen et al. 2020): each image of a batch is augmented twice, an encoder and a
// projection head map both views to embeddings, and the NT-Xent loss (strata/nn/contrastive.h) pulls the two
// views of an image together and pushes the other images of the batch apart. No labels are used; afterwards
// the projection head is dropped and the encoder's features are evaluated (strata/train/linear_probe.h).
//
//   auto views = image::Compose({image::RandomResizedCrop({28, 28}, {.scale = {0.2, 1.0}}),
//                                image::RandomHorizontalFlip()});
//   auto losses = train::simclr_pretrain(*encoder, *projector, images, views, optimizer, {.epochs = 10});
#include <functional>
#include <vector>

#include "strata/data/image/transforms.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"

namespace strata::train {

struct SimCLROptions {
  int64_t epochs = 10;
  int64_t batch_size = 256;  // images per step (2 * batch_size views)
  double temperature = 0.5;  // of NT-Xent
  uint64_t seed = 0;         // of the batch order and of the augmentations
  // Called after each epoch with its number (1-based) and mean loss; optional.
  std::function<void(int64_t epoch, double loss)> on_epoch{};
  // Called after each step with the epoch, the step (1-based) and its loss; optional.
  std::function<void(int64_t epoch, int64_t step, double loss)> on_step{};
};

// The two augmented views [N, C, H, W] of images [N, C, H, W] (f32): view v of image i (global index
// first_index + i) in epoch `epoch` is drawn from a generator of its own, so views are reproducible and
// independent of batching.
std::pair<Tensor, Tensor> two_views(const Tensor& images, const data::image::RandomTransform& augment,
                                    uint64_t seed, int64_t epoch, const std::vector<int64_t>& indices);

// Pre-trains encoder and projector (projector(encoder(x)) gives the embeddings) on images [N, C, H, W]
// (f32) with NT-Xent; returns the mean loss of each epoch. The last batch of an epoch is dropped when it
// holds fewer than 2 images.
std::vector<double> simclr_pretrain(nn::Module& encoder, nn::Module& projector, const Tensor& images,
                                    const data::image::RandomTransform& augment, optim::Optimizer& optimizer,
                                    const SimCLROptions& options = {});

}  // namespace strata::train
