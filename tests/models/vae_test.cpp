// models::VAE: shapes, parameter names, sampling, the ELBO's pieces and beta, bad input.
#include "strata/models/vae.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::models {
namespace {

Tensor images(int64_t n, uint64_t seed = 1) {
  Generator g(seed);
  return rand({n, 1, 28, 28}, {}, &g);
}

TEST(VAE, ShapesAndParameterNames) {
  VAE vae(VAEOptions{.latent_dim = 8, .hidden_channels = 16});
  const Posterior q = vae->encode(images(3));
  EXPECT_EQ(q.mu.shape(), (Shape{3, 8}));
  EXPECT_EQ(q.logvar.shape(), (Shape{3, 8}));
  EXPECT_EQ(vae->decode_raw(q.mu).shape(), (Shape{3, 1, 28, 28}));
  EXPECT_EQ(vae->forward(images(3)).shape(), (Shape{3, 1, 28, 28}));
  std::vector<std::string> names;
  for (const auto& [name, p] : vae->named_parameters()) names.push_back(name);
  const std::vector<std::string> want = {
      "encoder.0.weight", "encoder.0.bias",   "encoder.2.weight", "encoder.2.bias",   "fc_mu.weight",
      "fc_mu.bias",       "fc_logvar.weight", "fc_logvar.bias",   "fc_decode.weight", "fc_decode.bias",
      "decoder.0.weight", "decoder.0.bias",   "decoder.2.weight", "decoder.2.bias"};
  EXPECT_EQ(names, want);
  EXPECT_EQ(vae->latent_dim(), 8);
}

TEST(VAE, SamplesAreImagesAndFollowTheSeed) {
  VAE vae;
  Generator a(5), b(5), c(6);
  const Tensor s = vae->sample(4, {}, a);
  EXPECT_EQ(s.shape(), (Shape{4, 1, 28, 28}));
  for (double v : s.to_vector<double>()) ASSERT_TRUE(v >= 0 && v <= 1);
  EXPECT_EQ(s.to_vector<float>(), vae->sample(4, {}, b).to_vector<float>());
  EXPECT_NE(s.to_vector<float>(), vae->sample(4, {}, c).to_vector<float>());
  VAE gaussian(VAEOptions{.likelihood = VAELikelihood::Gaussian});
  for (double v : gaussian->sample(2, {}, a).to_vector<double>()) ASSERT_TRUE(v >= 0 && v <= 1);
}

TEST(VAE, ElboTermsAndBeta) {
  VAE vae(VAEOptions{.beta = 4.0});
  Generator g(1);
  const ElboTerms t = vae->elbo(images(5), g);
  const double rec = t.reconstruction.item<double>(), kl = t.kl.item<double>();
  EXPECT_GT(rec, 0);
  EXPECT_GE(kl, 0);
  EXPECT_NEAR(t.loss.item<double>(), rec + 4.0 * kl, 1e-3 * (rec + 4 * kl));
  EXPECT_NEAR(t.elbo(), -(rec + kl), 1e-3 * (rec + kl));
  // An untrained Bernoulli decoder gives ~log 2 nats per pixel or more on uniform images.
  EXPECT_GT(rec, 0.5 * 784 * std::log(2.0));
}

TEST(VAE, KlIsZeroAtThePrior) {
  const Tensor zero = zeros({2, 4});
  EXPECT_EQ(gaussian_kl(zero, zero).to_vector<float>(), (std::vector<float>{0, 0}));
  // KL(N(1, 1) || N(0, 1)) = 1/2 per latent.
  EXPECT_NEAR(gaussian_kl(ones({1, 4}), zeros({1, 4})).item<double>(), 2.0, 1e-6);
}

TEST(VAE, GaussianNllMatchesTheDensity) {
  // One pixel at the mean: -log N(0; 0, s^2) = log(s sqrt(2 pi)).
  const Tensor x = zeros({1, 1});
  EXPECT_NEAR(gaussian_nll(x, x, 0.5).item<double>(), std::log(0.5 * std::sqrt(2 * M_PI)), 1e-6);
}

TEST(VAE, ReparameterizeDrawsFromThePosterior) {
  Generator g(3);
  const Tensor mu = full({20000, 1}, 2.0), logvar = full({20000, 1}, std::log(0.25));
  const auto z = reparameterize(mu, logvar, g).to_vector<double>();
  double m = 0, v = 0;
  for (double x : z) m += x;
  m /= z.size();
  for (double x : z) v += (x - m) * (x - m);
  v /= z.size();
  EXPECT_NEAR(m, 2.0, 0.02);
  EXPECT_NEAR(v, 0.25, 0.01);
}

TEST(VAE, BadInputRaisesClearErrors) {
  VAE vae;
  EXPECT_ERROR_CONTAINS(vae->encode(zeros({2, 1, 32, 32})), "vae", "[N, 1, 28, 28]", "[2, 1, 32, 32]");
  EXPECT_ERROR_CONTAINS(vae->decode(zeros({2, 5})), "vae", "[N, 16]", "[2, 5]");
  Generator g;
  EXPECT_ERROR_CONTAINS(vae->sample(0, {}, g), "sample", "positive");
  EXPECT_ERROR_CONTAINS(VAE(VAEOptions{.latent_dim = 0}), "latent_dim");
  EXPECT_ERROR_CONTAINS(VAE(VAEOptions{.beta = -1}), "beta");
  EXPECT_ERROR_CONTAINS(vae_likelihood("poisson"), "poisson", "bernoulli", "gaussian");
  EXPECT_ERROR_CONTAINS(gaussian_kl(zeros({2, 3}), zeros({2, 4})), "gaussian_kl", "[2, 3]", "[2, 4]");
  EXPECT_ERROR_CONTAINS(bernoulli_nll(zeros({2, 3}), zeros({3, 2})), "bernoulli_nll");
  EXPECT_ERROR_CONTAINS(gaussian_nll(zeros({2, 3}), zeros({2, 3}), 0.0), "sigma");
}

}  // namespace
}  // namespace strata::models
