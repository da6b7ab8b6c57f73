#pragma once
// GenerativeModel: what sampling tools (`strata generate`, FID scoring, sample grids) need from a trained
// generative model, whatever its family (GAN, VAE): its latent size, its number of classes, and images
// decoded from latent vectors or drawn at random.
#include <cstdint>

#include "strata/core/generator.h"
#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::models {

class GenerativeModel {
 public:
  virtual ~GenerativeModel() = default;
  // Size of the latent vector z.
  virtual int64_t latent_dim() const = 0;
  // Number of classes a conditional model takes labels for; 0 for an unconditional model.
  virtual int64_t num_classes() const { return 0; }
  // The network that maps latents (and labels) to images: the GAN's generator, the VAE's decoder.
  virtual nn::Module& generator_module() = 0;
  // Images [N, C, H, W] in [0, 1] decoded from latents z [N, latent_dim] (and i64 labels [N] for a
  // conditional model; ignored, and may be undefined, otherwise), in eval mode without recording.
  virtual Tensor decode(const Tensor& z, const Tensor& labels = {}) = 0;
  // n images [n, C, H, W] in [0, 1] from latents drawn from the prior with `generator`; `labels` as decode.
  virtual Tensor sample(int64_t n, const Tensor& labels, Generator& generator);
};

}  // namespace strata::models
