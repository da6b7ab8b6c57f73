#include "strata/models/wgan_gp.h"

#include "strata/autograd/engine.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

DCGANOptions network_options(const WGANGPOptions& o) {
  STRATA_CHECK(o.lambda_gp >= 0, "WGANGP: lambda_gp must be non-negative, got {}", o.lambda_gp);
  STRATA_CHECK(o.n_critic >= 1, "WGANGP: n_critic must be at least 1, got {}", o.n_critic);
  return {.latent_dim = o.latent_dim,
          .num_classes = 0,
          .channels = o.channels,
          .width = o.width,
          .batch_norm_discriminator = false,
          .lr = o.lr,
          .beta1 = o.beta1,
          .beta2 = o.beta2};
}

}  // namespace

Tensor gradient_penalty(const std::function<Tensor(const Tensor&)>& critic, const Tensor& real,
                        const Tensor& fake, Generator& generator) {
  STRATA_CHECK(real.defined() && fake.defined() && real.shape() == fake.shape() && real.dim() >= 2,
               "gradient_penalty: real and fake must have one shape [N, ...], got {} and {}",
               real.defined() ? real.shape().str() : "none", fake.defined() ? fake.shape().str() : "none");
  const int64_t n = real.size(0);
  Shape e_shape{n};
  for (int64_t d = 1; d < real.dim(); ++d) e_shape.push_back(1);
  Tensor xhat;
  {
    NoGradGuard no_grad;
    const Tensor e = rand(e_shape, {.dtype = real.dtype()}, &generator);
    xhat = ops::add(ops::mul(e, real.detach()), ops::mul(ops::rsub(e, 1.0), fake.detach()));
  }
  xhat.requires_grad_(true);
  const Tensor scores = critic(xhat);
  const Tensor g =
      autograd::grad(ops::sum(scores), {xhat}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  Shape dims;
  for (int64_t d = 1; d < g.dim(); ++d) dims.push_back(d);
  // A small epsilon under the root keeps the second derivative finite where a gradient vanishes.
  const Tensor norms = ops::sqrt(ops::add(ops::sum(ops::mul(g, g), dims), 1e-12));
  const Tensor dev = ops::sub(norms, 1.0);
  return ops::mean(ops::mul(dev, dev));
}

WGANGP::WGANGP(const WGANGPOptions& options) : train::TrainingModule("WGANGP"), options_(options) {
  const DCGANOptions net = network_options(options);
  generator = register_module("generator", std::make_shared<DCGANGeneratorImpl>(net));
  critic = register_module("critic", std::make_shared<DCGANDiscriminatorImpl>(net));
}

std::vector<std::shared_ptr<optim::Optimizer>> WGANGP::configure_optimizers() {
  const train::OptimizerFactory adam = [o = options_](const std::vector<Tensor>& params) {
    return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = o.lr, .betas = {o.beta1, o.beta2}});
  };
  return {make_optimizer("critic", critic->parameters(), adam),
          make_optimizer("generator", generator->parameters(), adam)};
}

void WGANGP::training_step(const data::Batch& batch, train::StepContext& ctx) {
  const Tensor real = batch.input;
  const int64_t n = real.size(0);
  Generator& gen = ctx.generator();
  Tensor fake;
  {
    NoGradGuard no_grad;
    fake = generator->forward(randn({n, options_.latent_dim}, {}, &gen));
  }
  optim::Optimizer& opt_c = ctx.optimizer(0);
  opt_c.zero_grad();
  const Tensor c_real = ops::mean(critic->forward(real));
  const Tensor c_fake = ops::mean(critic->forward(fake));
  const Tensor gp = gradient_penalty([this](const Tensor& x) { return critic->forward(x); }, real, fake, gen);
  Tensor c_loss = ops::add(ops::sub(c_fake, c_real), ops::mul(gp, options_.lambda_gp));
  c_loss.backward();
  opt_c.step();
  ctx.log("critic_loss", c_loss.item());
  ctx.log("gp", gp.item());
  ctx.log("wasserstein", c_real.item() - c_fake.item());

  if ((ctx.global_step() + 1) % options_.n_critic != 0) return;
  optim::Optimizer& opt_g = ctx.optimizer(1);
  opt_g.zero_grad();
  Tensor g_loss;
  {
    const NoParameterGrads frozen(*critic);
    g_loss =
        ops::neg(ops::mean(critic->forward(generator->forward(randn({n, options_.latent_dim}, {}, &gen)))));
    g_loss.backward();
  }
  opt_g.step();
  ctx.log("g_loss", g_loss.item());
}

void WGANGP::on_epoch_end(int epoch, const std::string& out_dir) {
  save_epoch_samples(*this, epoch, out_dir);
}

Tensor WGANGP::decode(const Tensor& z, const Tensor& /*labels*/) {
  NoGradGuard no_grad;
  const bool was_training = generator->is_training();
  generator->eval();
  const Tensor images = generator->forward(z);
  generator->train(was_training);
  return ops::clamp(ops::mul(ops::add(images, 1.0), 0.5), 0.0, 1.0);
}

}  // namespace strata::models
