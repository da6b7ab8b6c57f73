// DP-SGD step vs non-private step (forward, backward, SGD update) on Fashion-MNIST-sized batches of 64:
// the 2NN MLP of the FedAvg paper (784-200-200-10) and LeNet-5. The private step computes per-sample
// gradients (Linear: factorised norms and one matmul for the clipped sum; Conv2d: one grouped weight-gradient
// convolution with the batch as groups), clips them to norm 1 and adds Gaussian noise. Compare the
// Private/Plain pairs' times (bar: at most 1.3x); the first argument is the thread count, the second whether
// noise is added.
#include <benchmark/benchmark.h>

#include "strata/fed/dp_sgd.h"
#include "strata/fed/gaussian_noise.h"
#include "strata/models/lenet.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"

namespace {

using namespace strata;

constexpr int64_t kBatch = 64;

std::shared_ptr<nn::Module> make(bool conv) {
  manual_seed(0);
  if (conv) {
    return nn::Sequential(nn::Conv2d(1, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(6, 16, 5), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                          nn::Linear(400, 120), nn::ReLU(), nn::Linear(120, 84), nn::ReLU(),
                          nn::Linear(84, 10))
        .ptr();
  }
  return nn::Sequential(nn::Flatten(), nn::Linear(784, 200), nn::ReLU(), nn::Linear(200, 200), nn::ReLU(),
                        nn::Linear(200, 10))
      .ptr();
}

void step(benchmark::State& state, bool conv, bool dp) {
  set_num_threads(static_cast<int>(state.range(0)));
  auto model = make(conv);
  Generator g(1);
  const Tensor x = randn({kBatch, 1, 28, 28}, {}, &g);
  const Tensor y = randint(0, 10, {kBatch}, {.dtype = kInt64}, &g);
  optim::SGD opt(model->parameters(), {.lr = 0.01});
  const fed::LossFn loss = [](const Tensor& out, const Tensor& t) { return ops::cross_entropy(out, t); };
  std::unique_ptr<fed::DpSgd> priv;
  if (dp)
    priv = std::make_unique<fed::DpSgd>(
        model, fed::DpSgdOptions{.max_grad_norm = 1.0, .noise_multiplier = state.range(1) ? 1.0 : 0.0});
  for (auto _ : state) {
    opt.zero_grad();
    if (dp) {
      priv->compute_gradients(x, y, loss, static_cast<double>(kBatch), g);
    } else {
      loss((*model)(x), y).backward();
    }
    opt.step();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// The noise alone, on as many values as the MLP has parameters (199,210).
void BM_GaussianNoise(benchmark::State& state) {
  set_num_threads(1);
  Generator g(1);
  Tensor t = zeros({state.range(0)});
  for (auto _ : state) fed::add_gaussian_noise(t, 1.0, g);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_MlpPlain(benchmark::State& s) { step(s, false, false); }
void BM_MlpPrivate(benchmark::State& s) { step(s, false, true); }
void BM_LeNetPlain(benchmark::State& s) { step(s, true, false); }
void BM_LeNetPrivate(benchmark::State& s) { step(s, true, true); }

}  // namespace

BENCHMARK(BM_GaussianNoise)->Arg(199210)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MlpPlain)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MlpPrivate)->Args({1, 1})->Args({1, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LeNetPlain)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LeNetPrivate)->Args({1, 1})->Args({1, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
