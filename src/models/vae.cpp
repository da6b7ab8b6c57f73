#include "strata/models/vae.h"

#include <cmath>
#include <filesystem>
#include <numbers>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/data/image/grid.h"
#include "strata/nn/activation.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/loss.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

constexpr int64_t kSide = 28;  // image side
constexpr int64_t kCode = 7;   // side after the two stride-2 convolutions

VAEOptions checked(const VAEOptions& o) {
  STRATA_CHECK(o.in_channels > 0, "vae: in_channels must be positive, got {}", o.in_channels);
  STRATA_CHECK(o.latent_dim > 0, "vae: latent_dim must be positive, got {}", o.latent_dim);
  STRATA_CHECK(o.hidden_channels > 0, "vae: hidden_channels must be positive, got {}", o.hidden_channels);
  STRATA_CHECK(o.beta >= 0 && std::isfinite(o.beta), "vae: beta must be finite and >= 0, got {}", o.beta);
  STRATA_CHECK(o.sigma > 0 && std::isfinite(o.sigma), "vae: sigma must be positive, got {}", o.sigma);
  return o;
}

// Sums [N, ...] over every dim but the first: [N].
Tensor sum_per_row(const Tensor& t) {
  Shape dims;
  for (int64_t d = 1; d < t.dim(); ++d) dims.push_back(d);
  return dims.empty() ? t : t.sum(dims);
}

void check_pair(const Tensor& a, const Tensor& b, const char* op, const char* an, const char* bn) {
  STRATA_CHECK(a.defined() && b.defined() && a.dim() >= 1 && a.shape() == b.shape(),
               "{}: {} and {} must have the same shape with a batch dim, got {} and {}", op, an, bn,
               a.defined() ? a.shape().str() : "undefined", b.defined() ? b.shape().str() : "undefined");
}

}  // namespace

VAELikelihood vae_likelihood(const std::string& name) {
  if (name == "bernoulli") return VAELikelihood::Bernoulli;
  if (name == "gaussian") return VAELikelihood::Gaussian;
  STRATA_FAIL("vae: unknown likelihood '{}' (known: bernoulli, gaussian)", name);
}

double ElboTerms::elbo() const { return -(reconstruction.item<double>() + kl.item<double>()); }

Tensor gaussian_kl(const Tensor& mu, const Tensor& logvar) {
  check_pair(mu, logvar, "gaussian_kl", "mu", "logvar");
  // KL(N(mu, s^2) || N(0, 1)) = (mu^2 + s^2 - 1 - log s^2) / 2 per latent.
  return sum_per_row(ops::square(mu) + ops::exp(logvar) - logvar - 1.0) * 0.5;
}

Tensor bernoulli_nll(const Tensor& logits, const Tensor& target) {
  check_pair(logits, target, "bernoulli_nll", "logits", "target");
  return sum_per_row(ops::binary_cross_entropy_with_logits(logits, target, {}, {}, ops::Reduction::None));
}

Tensor gaussian_nll(const Tensor& mean, const Tensor& target, double sigma) {
  check_pair(mean, target, "gaussian_nll", "mean", "target");
  STRATA_CHECK(sigma > 0, "gaussian_nll: sigma must be positive, got {}", sigma);
  const double log_norm = 0.5 * std::log(2 * std::numbers::pi * sigma * sigma);
  return sum_per_row(ops::square(mean - target) * (0.5 / (sigma * sigma)) + log_norm);
}

Tensor reparameterize(const Tensor& mu, const Tensor& logvar, Generator& gen) {
  check_pair(mu, logvar, "reparameterize", "mu", "logvar");
  const Tensor eps = randn(mu.shape(), {.dtype = mu.dtype(), .device = mu.device()}, &gen);
  return mu + ops::exp(logvar * 0.5) * eps;
}

VAEImpl::VAEImpl(const VAEOptions& options)
    : TrainingModule("VAE"),
      fc_mu(2 * checked(options).hidden_channels * kCode * kCode, options.latent_dim),
      fc_logvar(2 * options.hidden_channels * kCode * kCode, options.latent_dim),
      fc_decode(options.latent_dim, 2 * options.hidden_channels * kCode * kCode),
      options_(options) {
  const int64_t c = options.in_channels, h = options.hidden_channels;
  encoder = nn::Sequential(nn::Conv2d(c, h, 4, {.stride = 2, .padding = 1}), nn::ReLU(),
                           nn::Conv2d(h, 2 * h, 4, {.stride = 2, .padding = 1}), nn::ReLU(), nn::Flatten());
  decoder = nn::Sequential(nn::ConvTranspose2d(2 * h, h, 4, {.stride = 2, .padding = 1}), nn::ReLU(),
                           nn::ConvTranspose2d(h, c, 4, {.stride = 2, .padding = 1}));
  register_module("encoder", encoder.ptr());
  register_module("fc_mu", fc_mu.ptr());
  register_module("fc_logvar", fc_logvar.ptr());
  register_module("fc_decode", fc_decode.ptr());
  register_module("decoder", decoder.ptr());
  Generator fixed(0);
  grid_latents_ = randn({64, options.latent_dim}, {}, &fixed);
}

std::vector<std::shared_ptr<optim::Optimizer>> VAEImpl::configure_optimizers() {
  return {make_optimizer("vae", parameters(), [](const std::vector<Tensor>& params) {
    return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = 1e-3});
  })};
}

void VAEImpl::training_step(const data::Batch& batch, train::StepContext& ctx) {
  optim::Optimizer& opt = ctx.optimizer(0);
  opt.zero_grad();
  const ElboTerms t = elbo(batch.input, ctx.generator());
  t.loss.backward();
  opt.step();
  ctx.log("loss", t.loss.item<double>());
  ctx.log("elbo", t.elbo());
  ctx.log("reconstruction", t.reconstruction.item<double>());
  ctx.log("kl", t.kl.item<double>());
}

void VAEImpl::validation_step(const data::Batch& batch, train::StepContext& ctx) {
  const ElboTerms t = elbo(batch.input, ctx.generator());
  ctx.log("elbo", t.elbo());
  ctx.log("reconstruction", t.reconstruction.item<double>());
  ctx.log("kl", t.kl.item<double>());
}

void VAEImpl::on_epoch_end(int epoch, const std::string& out_dir) {
  if (out_dir.empty()) return;
  const Tensor images = decode(grid_latents_);
  std::vector<Tensor> cells;
  for (int64_t i = 0; i < images.size(0); ++i) cells.push_back(images.select(0, i));
  std::filesystem::create_directories(out_dir);
  data::image::save_grid(fmt::format("{}/samples_epoch_{}.png", out_dir, epoch), cells, 8);
}

Posterior VAEImpl::encode(const Tensor& x) {
  STRATA_CHECK(x.defined() && x.dim() == 4 && x.size(1) == options_.in_channels && x.size(2) == kSide &&
                   x.size(3) == kSide,
               "vae: expected images [N, {}, 28, 28], got {}", options_.in_channels,
               x.defined() ? x.shape().str() : "undefined");
  const Tensor h = encoder->forward(x);
  return {fc_mu->forward(h), fc_logvar->forward(h)};
}

Tensor VAEImpl::decode_raw(const Tensor& z) {
  STRATA_CHECK(z.defined() && z.dim() == 2 && z.size(1) == options_.latent_dim,
               "vae: expected latents [N, {}], got {}", options_.latent_dim,
               z.defined() ? z.shape().str() : "undefined");
  const Tensor h =
      ops::relu(fc_decode->forward(z)).reshape({z.size(0), 2 * options_.hidden_channels, kCode, kCode});
  return decoder->forward(h);
}

namespace {
// Decoder outputs -> images in [0, 1].
Tensor to_images(const Tensor& out, VAELikelihood likelihood) {
  return likelihood == VAELikelihood::Bernoulli ? ops::sigmoid(out) : ops::clamp(out, 0.0, 1.0);
}
}  // namespace

Tensor VAEImpl::decode(const Tensor& z, const Tensor& /*labels*/) {
  NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  const Tensor w = fc_mu->weight;
  const Tensor images = to_images(decode_raw(z.to(w.dtype())), options_.likelihood);
  train(was_training);
  return images;
}

Tensor VAEImpl::forward(const Tensor& x) { return to_images(decode_raw(encode(x).mu), options_.likelihood); }

ElboTerms VAEImpl::elbo(const Tensor& x, Generator& gen) {
  const Posterior q = encode(x);
  const Tensor out = decode_raw(reparameterize(q.mu, q.logvar, gen));
  const Tensor target = x.to(out.dtype());
  ElboTerms t;
  t.reconstruction =
      (options_.likelihood == VAELikelihood::Bernoulli ? bernoulli_nll(out, target)
                                                       : gaussian_nll(out, target, options_.sigma))
          .mean();
  t.kl = gaussian_kl(q.mu, q.logvar).mean();
  t.loss = t.reconstruction + t.kl * options_.beta;
  return t;
}

}  // namespace strata::models
