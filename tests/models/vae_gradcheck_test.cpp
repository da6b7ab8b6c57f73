// Gradient checks of the VAE's loss pieces and of the reparameterised ELBO (f64, central differences).
#include "strata/models/vae.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;

TEST(VAEGradcheck, GaussianKl) {
  EXPECT_GRADCHECK([](const std::vector<Tensor>& in) { return models::gaussian_kl(in[0], in[1]); },
                   input({3, 5}, 1), input({3, 5}, 2));
  // Non-contiguous inputs.
  EXPECT_GRADCHECK([](const std::vector<Tensor>& in) { return models::gaussian_kl(in[0], in[1]); },
                   testing::transposed_input({4, 3}, 3), testing::strided_input({4, 3}, 4));
}

TEST(VAEGradcheck, BernoulliNll) {
  const Tensor target = input({2, 1, 3, 3}, 5, 0.0, 1.0).detach();
  EXPECT_GRADCHECK([&](const std::vector<Tensor>& in) { return models::bernoulli_nll(in[0], target); },
                   input({2, 1, 3, 3}, 6));
}

TEST(VAEGradcheck, GaussianNll) {
  EXPECT_GRADCHECK([](const std::vector<Tensor>& in) { return models::gaussian_nll(in[0], in[1], 0.4); },
                   input({2, 1, 3, 3}, 7, 0.0, 1.0), input({2, 1, 3, 3}, 8, 0.0, 1.0));
}

TEST(VAEGradcheck, ReparameterisedElbo) {
  // The negative ELBO through z = mu + exp(logvar / 2) * eps and a small decoder, with eps fixed by the seed,
  // as a function of mu, logvar and the decoder's weight.
  const Tensor target = input({3, 6}, 9, 0.0, 1.0).detach();
  const auto loss = [&](const std::vector<Tensor>& in) {
    Generator gen(42);
    const Tensor z = models::reparameterize(in[0], in[1], gen);
    const Tensor logits = ops::matmul(z, in[2]);
    return (models::bernoulli_nll(logits, target) + models::gaussian_kl(in[0], in[1]) * 0.5).sum();
  };
  EXPECT_GRADCHECK(loss, input({3, 2}, 10), input({3, 2}, 11), input({2, 6}, 12));
}

TEST(VAEGradcheck, WholeVaeElboInTheEncoderInput) {
  // The full convolutional VAE in f64: the beta-ELBO's gradient with respect to the image.
  models::VAE vae(models::VAEOptions{.latent_dim = 2, .hidden_channels = 2, .beta = 0.5});
  vae->to(kFloat64);
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        Generator gen(3);
        return vae->elbo(in[0], gen).loss;
      },
      input({1, 1, 28, 28}, 13, 0.1, 0.9));
}

}  // namespace
}  // namespace strata
