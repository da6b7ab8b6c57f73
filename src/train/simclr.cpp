#include "strata/train/simclr.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/contrastive.h"
#include "strata/ops/indexing.h"

namespace strata::train {
namespace {

// A seed for (seed, epoch, index, view) that differs whenever any of them does (splitmix64 finaliser).
uint64_t mix(uint64_t seed, int64_t epoch, int64_t index, int view) {
  uint64_t x = seed ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ULL) ^
               (static_cast<uint64_t>(index) * 0xBF58476D1CE4E5B9ULL) ^ (static_cast<uint64_t>(view) << 62);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::pair<Tensor, Tensor> two_views(const Tensor& images, const data::image::RandomTransform& augment,
                                    uint64_t seed, int64_t epoch, const std::vector<int64_t>& indices) {
  STRATA_CHECK(images.dim() == 4, "two_views: images must be [N, C, H, W], got {}", images.shape().str());
  std::vector<Tensor> a, b;
  a.reserve(indices.size());
  b.reserve(indices.size());
  for (int64_t i : indices) {
    STRATA_CHECK(i >= 0 && i < images.size(0), "two_views: index {} is out of range for images {}", i,
                 images.shape().str());
    const Tensor img = images.select(0, i);
    Generator g1(mix(seed, epoch, i, 0)), g2(mix(seed, epoch, i, 1));
    a.push_back(augment(img, g1));
    b.push_back(augment(img, g2));
  }
  return {ops::stack(a, 0), ops::stack(b, 0)};
}

std::vector<double> simclr_pretrain(nn::Module& encoder, nn::Module& projector, const Tensor& images,
                                    const data::image::RandomTransform& augment, optim::Optimizer& optimizer,
                                    const SimCLROptions& options) {
  STRATA_CHECK(images.dim() == 4 && is_floating(images.dtype()),
               "simclr_pretrain: images must be floating [N, C, H, W], got {} {}", dtype_name(images.dtype()),
               images.shape().str());
  STRATA_CHECK(options.batch_size >= 2, "simclr_pretrain: batch_size must be at least 2, got {}",
               options.batch_size);
  STRATA_CHECK(options.epochs >= 1, "simclr_pretrain: epochs must be at least 1, got {}", options.epochs);
  const int64_t n = images.size(0);
  STRATA_CHECK(n >= 2, "simclr_pretrain: needs at least 2 images, got {}", n);
  encoder.train();
  projector.train();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffle_rng(options.seed);
  std::vector<double> epoch_losses;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    double total = 0.0;
    int64_t steps = 0;
    for (int64_t start = 0; start + 2 <= n; start += options.batch_size) {
      const int64_t end = std::min(n, start + options.batch_size);
      const std::vector<int64_t> batch(order.begin() + start, order.begin() + end);
      auto [v1, v2] = two_views(images, augment, options.seed, epoch, batch);
      // One forward pass over both views keeps BatchNorm's statistics over all 2B images.
      const Tensor z = projector.forward(encoder.forward(ops::cat({v1, v2}, 0)));
      const int64_t b = static_cast<int64_t>(batch.size());
      const Tensor loss = nn::nt_xent_loss(z.narrow(0, 0, b), z.narrow(0, b, b), options.temperature);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      const double value = loss.item<double>();
      total += value;
      ++steps;
      if (options.on_step) options.on_step(epoch, steps, value);
    }
    epoch_losses.push_back(total / static_cast<double>(std::max<int64_t>(steps, 1)));
    if (options.on_epoch) options.on_epoch(epoch, epoch_losses.back());
  }
  return epoch_losses;
}

}  // namespace strata::train
