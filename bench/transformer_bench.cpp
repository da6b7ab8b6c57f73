// Transformer encoder workload: 2 nn::TransformerEncoderLayer (d_model 128, 4 heads, feed-forward 512,
// batch first, dropout 0.1) on random inputs [32, 64, 128]; one step = forward + mean-square loss + backward
// + AdamW step. The PyTorch twin is bench/pytorch/transformer_encoder.py (same sizes, same layers).
#include <benchmark/benchmark.h>

#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"

namespace {

using namespace strata;

constexpr int64_t kModel = 128, kHeads = 4, kFeedForward = 512, kSeq = 64, kBatch = 32, kLayers = 2;

void BM_TransformerEncoderStep(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  state.counters["threads"] = threads;
  manual_seed(0);
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderLayer(kModel, kHeads, {.dim_feedforward = kFeedForward, .batch_first = true}),
      kLayers);
  optim::AdamW opt(encoder->parameters(), {.lr = 1e-4, .weight_decay = 1e-2});
  const Tensor x = randn({kBatch, kSeq, kModel});
  auto step = [&] {
    const Tensor loss = F::square(encoder(x)).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    return loss;
  };
  for (int i = 0; i < 3; ++i) step();
  for (auto _ : state) benchmark::DoNotOptimize(step().raw_data());
}

}  // namespace

BENCHMARK(BM_TransformerEncoderStep)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
