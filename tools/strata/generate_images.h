#pragma once
// `strata generate` for image models: a PNG grid of samples (class rows for a conditional model) or of latent
// interpolations from a generative zoo model (vae, dcgan, cgan, wgan_gp) trained by `strata train`.
#include <string>

#include "generate.h"

namespace strata::cli {

// True when `config` is a `strata train` config of something other than a language model, so generate
// writes images for it (and says so when its model is not generative).
bool is_image_generation_config(const std::string& config);

// Builds the config's model, loads the checkpoint and writes the grid to args.out; returns the exit code.
int generate_images(const GenerateArgs& args);

}  // namespace strata::cli
