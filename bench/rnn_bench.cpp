// Recurrent training workloads (benchmark issue W4, W5): a character language model, embedding 64 ->
// recurrent layers (hidden 256) -> linear head over a vocabulary of 64 at every step, on random tokens
// (sequence 64, batch 32), cross-entropy, Adam 1e-3. One step = forward + loss + backward + optimiser step.
// W4 uses a 2-layer LSTM, W5 a 1-layer GRU. The PyTorch twins are bench/pytorch/w4_lstm.py and w5_gru.py.
#include <benchmark/benchmark.h>

#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/optim.h"
#include "strata/strata.h"

namespace {

using namespace strata;

constexpr int64_t kVocab = 64, kEmbed = 64, kHidden = 256, kSeq = 64, kBatch = 32;

// FLOPs of one training step (multiply-adds count 2; backward = 2x forward for every product).
double step_flops(int64_t gates, int64_t layers) {
  const double rows = static_cast<double>(kSeq * kBatch);
  double fwd = 0;
  for (int64_t l = 0; l < layers; ++l) {
    const double in = l == 0 ? kEmbed : kHidden;
    fwd += 2.0 * rows * gates * kHidden * (in + kHidden);
  }
  fwd += 2.0 * rows * kHidden * kVocab;
  return 3.0 * fwd;
}

template <typename Layer>
void train_steps(benchmark::State& state, Layer rnn, int64_t gates, int64_t layers) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  state.counters["threads"] = threads;
  Generator gen(0);
  nn::Embedding embed(kVocab, kEmbed);
  nn::Linear head(kHidden, kVocab);
  std::vector<Tensor> params = embed->parameters();
  for (const Tensor& p : rnn->parameters()) params.push_back(p);
  for (const Tensor& p : head->parameters()) params.push_back(p);
  optim::Adam opt(params, {.lr = 1e-3});
  const Tensor tokens = randint(0, kVocab, {kBatch, kSeq}, {.dtype = kInt64}, &gen);
  const Tensor targets = randint(0, kVocab, {kBatch * kSeq}, {.dtype = kInt64}, &gen);
  auto step = [&] {
    const Tensor y = rnn->forward(embed(tokens));
    const Tensor logits = head(y).reshape({kBatch * kSeq, kVocab});
    const Tensor loss = ops::cross_entropy(logits, targets);
    opt.zero_grad();
    loss.backward();
    opt.step();
    return loss;
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: primitive caches, allocator pools
  for (auto _ : state) benchmark::DoNotOptimize(step().raw_data());
  state.counters["GFLOP/s"] = benchmark::Counter(
      step_flops(gates, layers) * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void BM_W4_LstmCharLM(benchmark::State& state) {
  train_steps(state, nn::LSTM(kEmbed, kHidden, {.num_layers = 2, .batch_first = true}), 4, 2);
}

void BM_W5_GruCharLM(benchmark::State& state) {
  train_steps(state, nn::GRU(kEmbed, kHidden, {.batch_first = true}), 3, 1);
}

// The recurrent layer alone (forward + backward of the output sum), to separate it from the rest.
template <typename Layer>
void layer_only(benchmark::State& state, Layer rnn) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  state.counters["threads"] = threads;
  const Tensor x = randn({kSeq, kBatch, kEmbed});
  for (int i = 0; i < 2; ++i) rnn->forward(x).sum().backward();
  for (auto _ : state) {
    rnn->zero_grad();
    rnn->forward(x).sum().backward();
  }
}

void BM_LstmLayerFwdBwd(benchmark::State& state) { layer_only(state, nn::LSTM(kEmbed, kHidden)); }
void BM_GruLayerFwdBwd(benchmark::State& state) { layer_only(state, nn::GRU(kEmbed, kHidden)); }

void BM_LstmLayerInference(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  set_num_threads(threads);
  state.counters["threads"] = threads;
  nn::LSTM rnn(kEmbed, kHidden);
  const Tensor x = randn({kSeq, kBatch, kEmbed});
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(rnn->forward(x).raw_data());
}

BENCHMARK(BM_W4_LstmCharLM)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_W5_GruCharLM)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LstmLayerFwdBwd)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_GruLayerFwdBwd)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_LstmLayerInference)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("threads")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
