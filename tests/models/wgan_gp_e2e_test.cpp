// WGAN-GP trained end to end on a Fashion-MNIST subset through the Trainer (a few hundred critic steps, width
// 32, n_critic 5): the critic's Wasserstein estimate is positive and its scores vary, the gradient penalty
// stays finite and bounded, and the generator's samples move away from their initial ones and differ across
// latents.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "strata/data.h"
#include "strata/models/wgan_gp.h"
#include "strata/nn.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata::models {
namespace {

TEST(WGANGPE2E, CriticSeparatesAndGeneratorMoves) {
  const int threads = get_num_threads();
  set_num_threads(1);
  manual_seed(0);
  const data::FashionMNIST split(true);
  const Tensor x = (split.inputs().slice(0, 0, 9600) * 2.0 - 1.0).contiguous();
  auto dataset = std::make_shared<data::TensorDataset>(x, split.targets().slice(0, 0, 9600).contiguous());
  auto gan = std::make_shared<WGANGP>(WGANGPOptions{.latent_dim = 64, .width = 32});
  Generator fixed(1);
  const Tensor before = gan->sample(64, Tensor(), fixed);
  data::DataLoader loader(dataset, {.batch_size = 64, .shuffle = true, .seed = 0, .drop_last = true});
  train::Trainer trainer(gan);
  const auto start = std::chrono::steady_clock::now();
  const train::History h =
      trainer.fit(loader, {.epochs = 2, .progress = false});  // 300 critic, 60 generator steps
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const train::Logs& last = h.epochs.back();
  std::printf(
      "wgan_gp: 2 epochs x %lld steps in %.1f s; critic_loss %.3f gp %.4f wasserstein %.3f g_loss %.3f\n",
      static_cast<long long>(loader.size()), seconds, last.at("critic_loss"), last.at("gp"),
      last.at("wasserstein"), last.at("g_loss"));
  EXPECT_GT(last.at("wasserstein"), 0.0);
  EXPECT_TRUE(std::isfinite(last.at("gp")));
  EXPECT_LT(last.at("gp"), 1.0);
  EXPECT_TRUE(last.count("g_loss"));

  NoGradGuard no_grad;
  Generator g(3);
  const Tensor fake = gan->sample(256, Tensor(), g) * 2.0 - 1.0;
  const Tensor real = (data::FashionMNIST(false).inputs().slice(0, 0, 256) * 2.0 - 1.0).contiguous();
  const Tensor c_real = gan->critic->forward(real), c_fake = gan->critic->forward(fake);
  std::printf("  critic on real %.3f +- %.3f, on fake %.3f +- %.3f\n", F::mean(c_real).item(),
              F::std(c_real).item(), F::mean(c_fake).item(), F::std(c_fake).item());
  EXPECT_GT(F::mean(c_real).item() - F::mean(c_fake).item(), 0.0);
  EXPECT_GT(F::std(c_real).item(), 1e-3);
  EXPECT_GT(F::std(c_fake).item(), 1e-3);

  Generator again(1);
  const Tensor after = gan->sample(64, Tensor(), again);
  const double moved = F::mean(F::abs(after - before)).item();
  const double spread = F::mean(F::std(after.reshape({64, -1}), {0})).item();
  std::printf("  samples moved %.3f, spread over latents %.3f\n", moved, spread);
  EXPECT_GT(moved, 0.1);
  EXPECT_GT(spread, 0.03);  // 0 for a collapsed generator; 0.07 here after 60 generator steps
  set_num_threads(threads);
}

}  // namespace
}  // namespace strata::models
