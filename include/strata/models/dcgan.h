#pragma once
// DCGAN for 28x28 images (Radford et al. 2016, sized for MNIST-like data), unconditional or conditional on a
// class label (Mirza & Osindero 2014: a label embedding concatenated into both networks).
//   generator:     z [N, latent_dim] (++ embedding(label) [N, embed_dim]) -> Linear -> BatchNorm1d -> ReLU
//                  -> [N, 2w, 7, 7] -> ConvTranspose2d(2w, w, 4, 2, 1) -> BatchNorm2d -> ReLU -> [N, w, 14,
//                  14]
//                  -> ConvTranspose2d(w, C, 4, 2, 1) -> Tanh -> [N, C, 28, 28] in [-1, 1]
//   discriminator: x [N, C, 28, 28] (++ embedding(label) as a 28x28 plane) -> Conv2d(., w, 4, 2, 1) ->
//                  LeakyReLU(0.2) -> Conv2d(w, 2w, 4, 2, 1) (-> BatchNorm2d) -> LeakyReLU(0.2) -> Linear ->
//                  logit
// The training module DCGAN trains both with the non-saturating loss (BCE with logits: the discriminator
// tells real from fake, the generator makes the discriminator call its samples real), Adam(2e-4, 0.5/0.999),
// one discriminator step and one generator step per batch. Data in [-1, 1].
#include <memory>
#include <string>

#include "strata/models/generative.h"
#include "strata/nn/container.h"
#include "strata/nn/embedding.h"
#include "strata/train/training_module.h"

namespace strata::models {

struct DCGANOptions {
  int64_t latent_dim = 100;
  int64_t num_classes = 0;               // > 0: conditional (cGAN), labels from the batch targets
  int64_t embed_dim = 50;                // conditional generator: the label embedding's width
  int64_t channels = 1;                  // image channels
  int64_t width = 64;                    // w: feature maps of the first discriminator / last generator layer
  bool batch_norm_discriminator = true;  // WGAN-GP's critic goes without
  double lr = 2e-4;                      // default Adam of both networks
  double beta1 = 0.5, beta2 = 0.999;
};

// The generator: latents (and labels) to images in [-1, 1]; PyTorch-style names: label_embedding,
// project.{0 Linear, 1 BatchNorm1d}, main.{0 ConvTranspose2d, 1 BatchNorm2d, 3 ConvTranspose2d}.
class DCGANGeneratorImpl : public nn::Module {
 public:
  explicit DCGANGeneratorImpl(const DCGANOptions& options = {});
  // z [N, latent_dim] -> [N, C, 28, 28] (unconditional).
  Tensor forward(const Tensor& z) override;
  // z [N, latent_dim], labels i64 [N] -> [N, C, 28, 28] (conditional; labels ignored otherwise).
  Tensor forward(const Tensor& z, const Tensor& labels);
  DCGANOptions options;
  std::shared_ptr<nn::EmbeddingImpl> label_embedding;  // null when unconditional
  std::shared_ptr<nn::SequentialImpl> project, main;
};
STRATA_MODULE_HOLDER(DCGANGenerator);

// The discriminator (or WGAN critic): images (and labels) to one logit (score) per image, [N].
class DCGANDiscriminatorImpl : public nn::Module {
 public:
  explicit DCGANDiscriminatorImpl(const DCGANOptions& options = {});
  Tensor forward(const Tensor& x) override;
  Tensor forward(const Tensor& x, const Tensor& labels);
  DCGANOptions options;
  std::shared_ptr<nn::EmbeddingImpl> label_embedding;  // null when unconditional: [classes, 28 * 28]
  std::shared_ptr<nn::SequentialImpl> main;
};
STRATA_MODULE_HOLDER(DCGANDiscriminator);

// Turns off gradients of a network's parameters for the guard's lifetime: a generator step then computes no
// weight gradients for the discriminator it backpropagates through.
class NoParameterGrads {
 public:
  explicit NoParameterGrads(nn::Module& module);
  ~NoParameterGrads();
  NoParameterGrads(const NoParameterGrads&) = delete;
  NoParameterGrads& operator=(const NoParameterGrads&) = delete;

 private:
  std::vector<Tensor> params_;
};

// DCGAN's weight initialisation: conv / linear weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases
// 0.
void dcgan_init_(nn::Module& module, Generator* generator = nullptr);

// Labels for a conditional model's batch: the targets as i64 [N] (checked to lie in 0..num_classes-1).
Tensor class_labels(const Tensor& target, int64_t num_classes, const char* who);

// A GAN's fixed sample grid per epoch: `samples_epoch_<NNN>.png` in the run folder, 8x8 samples from one
// fixed noise (seed 0), so epochs compare; a conditional model's row k holds class k (8 columns; up to 10
// rows).
void save_epoch_samples(GenerativeModel& model, int epoch, const std::string& out_dir);

// DCGAN and conditional GAN as a training module ("discriminator" optimiser first, then "generator").
class DCGAN : public train::TrainingModule, public GenerativeModel {
 public:
  explicit DCGAN(const DCGANOptions& options = {});
  std::vector<std::string> optimizer_names() const override { return {"discriminator", "generator"}; }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override;
  // One discriminator step (BCE on real vs detached fake) and one generator step (non-saturating BCE);
  // logs d_loss, g_loss, d_real and d_fake (the discriminator's mean probability on real and fake images).
  void training_step(const data::Batch& batch, train::StepContext& ctx) override;
  void on_epoch_end(int epoch, const std::string& out_dir) override;
  int64_t latent_dim() const override { return options_.latent_dim; }
  int64_t num_classes() const override { return options_.num_classes; }
  nn::Module& generator_module() override { return *generator; }
  Tensor decode(const Tensor& z, const Tensor& labels = {}) override;

  std::shared_ptr<DCGANGeneratorImpl> generator;
  std::shared_ptr<DCGANDiscriminatorImpl> discriminator;

 private:
  DCGANOptions options_;
};

}  // namespace strata::models
