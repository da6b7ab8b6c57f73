#pragma once
// WGAN-GP (Gulrajani et al. 2017): the DCGAN generator against a critic without BatchNorm (a per-sample
// penalty must not mix samples), trained on the Wasserstein loss with a gradient penalty
//   critic:    E[D(fake)] - E[D(real)] + lambda E[(||grad_xhat D(xhat)||_2 - 1)^2], xhat = e real + (1 - e)
//   fake generator: -E[D(G(z))], one step every n_critic critic steps,
// Adam(1e-4, betas 0.0 / 0.9) for both, lambda = 10, n_critic = 5, as in the paper.
#include <functional>

#include "strata/models/dcgan.h"

namespace strata::models {

struct WGANGPOptions {
  int64_t latent_dim = 100;
  int64_t channels = 1;
  int64_t width = 64;
  double lambda_gp = 10.0;  // gradient-penalty weight
  int64_t n_critic = 5;     // critic steps (batches) per generator step
  double lr = 1e-4;
  double beta1 = 0.0, beta2 = 0.9;
};

// The gradient penalty E[(||d critic(xhat) / d xhat||_2 - 1)^2] over the batch, with xhat = e real + (1 - e)
// fake and e ~ U[0, 1] per sample drawn from `generator`. The result is differentiable with respect to the
// critic's parameters (the input gradient is taken with create_graph); real and fake are treated as
// constants.
Tensor gradient_penalty(const std::function<Tensor(const Tensor&)>& critic, const Tensor& real,
                        const Tensor& fake, Generator& generator);

// WGAN-GP as a training module ("critic" optimiser first, then "generator").
class WGANGP : public train::TrainingModule, public GenerativeModel {
 public:
  explicit WGANGP(const WGANGPOptions& options = {});
  std::vector<std::string> optimizer_names() const override { return {"critic", "generator"}; }
  std::vector<std::shared_ptr<optim::Optimizer>> configure_optimizers() override;
  // One critic step per batch and a generator step after every n_critic-th; logs critic_loss, gp,
  // wasserstein (E[D(real)] - E[D(fake)], the critic's estimate of the distance) and g_loss (on the batches
  // with a generator step).
  void training_step(const data::Batch& batch, train::StepContext& ctx) override;
  void on_epoch_end(int epoch, const std::string& out_dir) override;
  int64_t latent_dim() const override { return options_.latent_dim; }
  nn::Module& generator_module() override { return *generator; }
  Tensor decode(const Tensor& z, const Tensor& labels = {}) override;

  std::shared_ptr<DCGANGeneratorImpl> generator;
  std::shared_ptr<DCGANDiscriminatorImpl> critic;

 private:
  WGANGPOptions options_;
};

}  // namespace strata::models
