// The VAE's ELBO pieces against PyTorch (tests/fixtures/vae.safetensors, from scripts/gen_fixtures_vae.py):
// the Gaussian KL, the Bernoulli (BCE-with-logits, summed) and Gaussian negative log-likelihoods, and a whole
// VAE's negative ELBO at the posterior mean with every parameter's gradient.
#include "golden_util.h"
#include "strata/models/vae.h"

namespace strata {
namespace {

using golden::Case;
using golden::f64_and_f32;
using golden::GoldenCase;

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      f64_and_f32("kl", [](Case& c) { return models::gaussian_kl(c.in("mu"), c.in("logvar")); }),
      f64_and_f32("bce", [](Case& c) { return models::bernoulli_nll(c.in("logits"), c.in("target")); }),
      f64_and_f32("gauss", [](Case& c) { return models::gaussian_nll(c.in("mean"), c.in("target"), 0.3); }),
      {{"model_f32",
        [](Case& c) {
          models::VAE vae(models::VAEOptions{.latent_dim = 3, .hidden_channels = 4});
          c.load_parameters(*vae);
          c.widen_tolerance(20);  // sums over 784 pixels and convolutions in f32
          const Tensor x = c.in("x");
          const models::Posterior q = vae->encode(x);
          return models::bernoulli_nll(vae->decode_raw(q.mu), x) + models::gaussian_kl(q.mu, q.logvar);
        }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(VAEGolden, "vae.safetensors", cases);

}  // namespace
}  // namespace strata
