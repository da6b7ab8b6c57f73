#pragma once
// Batch-level MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019) with soft targets, as torchvision.v2:
// each batch is mixed with itself rolled by one along dim 0 using lambda ~ Beta(alpha, alpha); class-index
// targets become one-hot probabilities mixed by the same lambda (CutMix: by the pasted area), ready for
// cross_entropy with probability targets.
//
//   options.collate = image::mix_collate(image::MixUp({.alpha = 0.2, .num_classes = 10}), /*seed=*/1);
#include <functional>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/dataloader.h"

namespace strata::data::image {

// A transform of a whole batch that may draw from the generator.
using BatchTransform = std::function<Batch(const Batch&, Generator&)>;

struct MixOptions {
  double alpha = 1.0;       // Beta(alpha, alpha) concentration, > 0
  int64_t num_classes = 0;  // needed when targets are class indices
  double p = 1.0;           // probability of mixing a batch (otherwise targets only become one-hot)
};

// Input [B, ...] floating, target i64 [B] or floating [B, K] probabilities; returns target [B, K].
class MixUp {
 public:
  explicit MixUp(MixOptions options = {});
  Batch operator()(const Batch& batch, Generator& gen) const;

 private:
  MixOptions options_;
};

// Input [B, C, H, W]: a random box of the rolled batch is pasted in; lambda becomes 1 - box area / image
// area.
class CutMix {
 public:
  explicit CutMix(MixOptions options = {});
  Batch operator()(const Batch& batch, Generator& gen) const;

 private:
  MixOptions options_;
};

// Picks one of the transforms uniformly per batch (e.g. MixUp or CutMix).
BatchTransform random_choice(std::vector<BatchTransform> transforms);

// A DataLoader collate that builds the batch with `base` and then applies `transform` with a generator seeded
// from `seed` and the batch's contents, so the mix is deterministic whatever the number of workers (batches
// differ per epoch when the loader shuffles).
Collate mix_collate(BatchTransform transform, uint64_t seed, Collate base = default_collate);

// Draws from Beta(a, b) (Marsaglia-Tsang gamma variates), reproducibly on every platform.
double sample_beta(double a, double b, Generator& gen);

}  // namespace strata::data::image
