#pragma once
// CLIP-style cross-modal training (Radford et al. 2021): an image encoder and a text encoder map N paired
// (image, text) examples into one embedding space, and the symmetric contrastive loss (nn::ClipLoss) makes
// each image most similar to its own text among the batch and vice versa. Evaluation without labels seen in
// training: zero-shot classification (an image's class is the class whose name embeds closest) and
// text-to-image retrieval (recall@k).
#include <functional>
#include <vector>

#include "strata/data/image/transforms.h"
#include "strata/nn/contrastive.h"
#include "strata/nn/module.h"
#include "strata/optim/optimizer.h"

namespace strata::train {

struct ClipTrainOptions {
  int64_t epochs = 50;
  int64_t batch_size = 128;
  uint64_t seed = 0;  // of the batch order and of the image augmentation
  // Called after each epoch with its number (1-based) and mean loss; optional.
  std::function<void(int64_t epoch, double loss)> on_epoch{};
};

// Trains both encoders (and the loss's logit_scale) on images [N, C, H, W] (f32) paired row by row with
// texts (whatever text_encoder takes, e.g. token ids [N, L]); `augment` (optional) transforms each image
// with a generator of its own per (epoch, index). Returns the mean loss of each epoch.
std::vector<double> clip_train(nn::Module& image_encoder, nn::Module& text_encoder, nn::ClipLossImpl& loss,
                               const Tensor& images, const Tensor& texts,
                               const data::image::RandomTransform& augment, optim::Optimizer& optimizer,
                               const ClipTrainOptions& options = {});

// L2-normalised embeddings encoder(inputs) [N, D], in eval mode without gradients, in batches.
Tensor embed(nn::Module& encoder, const Tensor& inputs, int64_t batch_size = 256);

struct ZeroShotResult {
  double top1 = 0.0, top5 = 0.0;                // accuracy of the class ranking
  double chance_top1 = 0.0, chance_top5 = 0.0;  // of a uniformly random ranking: 1 / C and min(5, C) / C
};

// Zero-shot classification: each image embedding [N, D] ranks the class-name embeddings [C, D] by cosine
// similarity; labels [N] (i64) are the true classes.
ZeroShotResult zero_shot_classify(const Tensor& image_embeddings, const Tensor& class_embeddings,
                                  const Tensor& labels);

// Text-to-image recall@k: the share of texts [N, D] whose own image (same row of images [N, D]) is among the
// k images most similar to it. Chance is k / N.
double text_to_image_recall(const Tensor& text_embeddings, const Tensor& image_embeddings, int64_t k);

}  // namespace strata::train
