#pragma once
// Variational autoencoder (Kingma & Welling, 2014) for 28x28 images, convolutional both ways:
//   encoder  Conv2d(in, h, 4, stride 2, pad 1) - ReLU - Conv2d(h, 2h, 4, stride 2, pad 1) - ReLU - Flatten
//            (-> 2h x 7 x 7), then fc_mu and fc_logvar: Linear(2h*49, latent_dim) each;
//   decoder  fc_decode: Linear(latent_dim, 2h*49) - ReLU - [2h, 7, 7] - ConvTranspose2d(2h, h, 4, stride 2,
//            pad 1) - ReLU - ConvTranspose2d(h, in, 4, stride 2, pad 1): per-pixel logits (Bernoulli) or
//            means (Gaussian) at 28x28.
// Images are in [0, 1]. The loss is the negative beta-weighted ELBO per image (Higgins et al., 2017):
// reconstruction negative log-likelihood + beta * KL(q(z|x) || N(0, I)), both summed over pixels / latents,
// in nats. The ELBO the VAE reports is the plain one (beta = 1), a lower bound on log p(x).
// As a train::TrainingModule (one optimiser) it logs per epoch loss, elbo, reconstruction and kl (means per
// image), the same on the validation set as val_elbo, ..., and writes an 8x8 grid of samples from fixed
// latents to <run folder>/samples_epoch_<e>.png.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/generator.h"
#include "strata/models/generative.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/train/training_module.h"

namespace strata::models {

// How the decoder scores a pixel.
enum class VAELikelihood {
  Bernoulli,  // decoder outputs logits; -log p(x|z) = BCE-with-logits summed over pixels
  Gaussian,   // decoder outputs means; -log p(x|z) = sum of -log N(x; mean, sigma^2) with a fixed sigma
};

// The likelihood named "bernoulli" or "gaussian"; throws naming both otherwise.
VAELikelihood vae_likelihood(const std::string& name);

struct VAEOptions {
  int64_t in_channels = 1;       // image channels (28x28 images)
  int64_t latent_dim = 16;       // size of z
  int64_t hidden_channels = 32;  // the first convolution's channels (the second has twice as many)
  VAELikelihood likelihood = VAELikelihood::Bernoulli;
  double beta = 1.0;   // weight of the KL term in the training loss (beta-VAE); the reported ELBO uses 1
  double sigma = 0.1;  // Gaussian likelihood: the fixed pixel standard deviation
};

// The pieces of the (beta-)ELBO for one batch; each is a 0-dim tensor, the mean over the batch in nats.
struct ElboTerms {
  Tensor loss;            // reconstruction + beta * kl: what training minimises
  Tensor reconstruction;  // -log p(x|z), summed over pixels
  Tensor kl;              // KL(q(z|x) || N(0, I)), summed over latents
  // The ELBO, -(reconstruction + kl) (beta = 1), in nats per image.
  double elbo() const;
};

// KL(N(mu, exp(logvar)) || N(0, I)) per row of [N, D] mu and logvar: [N],
// -0.5 * sum_j (1 + logvar - mu^2 - exp(logvar)).
Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar);
// -log Bernoulli(target; sigmoid(logits)) summed over all but the first dim: [N] (BCE-with-logits, sum).
Tensor bernoulli_nll(const Tensor& logits, const Tensor& target);
// -log N(target; mean, sigma^2) summed over all but the first dim: [N].
Tensor gaussian_nll(const Tensor& mean, const Tensor& target, double sigma);
// z = mu + exp(logvar / 2) * eps with eps ~ N(0, I) drawn from `gen` (differentiable in mu and logvar).
Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen);

// The parameters of q(z|x).
struct Posterior {
  Tensor mu;      // [N, latent_dim]
  Tensor logvar;  // [N, latent_dim]
};

class VAEImpl : public train::TrainingModule, public GenerativeModel {
 public:
  explicit VAEImpl(const VAEOptions& options = {});
  // One network with an optimiser: "vae" (set_optimizer_factory("vae", ...); default Adam, lr 1e-3).
  std::vector<std::string> optimizer_names() const override { return {"vae"}; }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override;
  // One optimiser step on the beta-ELBO of batch.input (images in [0, 1]); logs loss, elbo, reconstruction,
  // kl.
  void training_step(const data::Batch& batch, train::StepContext& ctx) override;
  // Logs the batch's elbo, reconstruction and kl (as val_elbo, val_reconstruction, val_kl).
  void validation_step(const data::Batch& batch, train::StepContext& ctx) override;
  // Writes samples_epoch_<epoch>.png (8x8 samples from fixed latents) into out_dir when it is set.
  void on_epoch_end(int epoch, const std::string& out_dir) override;
  // [N, in_channels, 28, 28] images in [0, 1] -> q(z|x).
  Posterior encode(const Tensor& x);
  // [N, latent_dim] -> [N, in_channels, 28, 28] decoder outputs (logits for Bernoulli, means for Gaussian).
  Tensor decode_raw(const Tensor& z);
  // [N, latent_dim] -> images in [0, 1] (sigmoid of the logits, or the clamped Gaussian means), in eval mode
  // without recording; labels are ignored (the VAE is unconditional).
  Tensor decode(const Tensor& z, const Tensor& labels = {}) override;
  // The reconstruction of x through the posterior mean (no sampling): images in [0, 1].
  Tensor forward(const Tensor& x) override;
  // The ELBO pieces of a batch x in [0, 1], with z drawn by the reparameterisation trick from `gen`.
  ElboTerms elbo(const Tensor& x, Generator& gen);
  // GenerativeModel::sample(n, labels, gen) draws z ~ N(0, I) and decodes it: [n, in_channels, 28, 28].
  using GenerativeModel::sample;
  int64_t latent_dim() const override { return options_.latent_dim; }
  // The VAE itself: its decoding path is fc_decode and decoder.
  nn::Module& generator_module() override { return *this; }
  const VAEOptions& options() const { return options_; }

  nn::Sequential encoder;
  nn::Linear fc_mu, fc_logvar, fc_decode;
  nn::Sequential decoder;

 private:
  VAEOptions options_;
  Tensor grid_latents_;  // [64, latent_dim] drawn once with a fixed seed, so epochs' grids compare
};
STRATA_MODULE_HOLDER(VAE);

}  // namespace strata::models
