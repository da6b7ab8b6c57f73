// Data loading throughput: one full Fashion-MNIST training epoch (60000 images) through the DataLoader, batch
// 128, shuffled, on the calling thread and with background workers; plus the pieces (one example, one
// collate) and the all-in-memory inputs() path. Reported as samples/s.
#include <benchmark/benchmark.h>

#include "strata/data.h"
#include "strata/strata.h"

namespace {

using namespace strata;

std::shared_ptr<data::FashionMNIST> train_set() {
  static const auto set = std::make_shared<data::FashionMNIST>(true);
  return set;
}

void BM_FashionMnistEpoch(benchmark::State& state) {
  const auto set = train_set();
  data::DataLoader loader(
      set, {.batch_size = 128, .shuffle = true, .seed = 0, .num_workers = static_cast<int>(state.range(0))});
  int64_t samples = 0;
  for (auto _ : state) {
    for (const data::Batch& b : loader) {
      benchmark::DoNotOptimize(b.input.raw_data());
      samples += b.size();
    }
  }
  state.SetItemsProcessed(samples);
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}

void BM_FashionMnistGet(benchmark::State& state) {
  const auto set = train_set();
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set->get(i).input.raw_data());
    i = (i + 7919) % set->size();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DefaultCollate128(benchmark::State& state) {
  const auto set = train_set();
  std::vector<data::Example> examples;
  for (int64_t i = 0; i < 128; ++i) examples.push_back(set->get(i));
  for (auto _ : state) benchmark::DoNotOptimize(data::default_collate(examples).input.raw_data());
  state.SetItemsProcessed(state.iterations() * 128);
}

void BM_FashionMnistInputs(benchmark::State& state) {
  const auto set = train_set();
  for (auto _ : state) benchmark::DoNotOptimize(set->inputs().raw_data());
  state.SetItemsProcessed(state.iterations() * set->size());
}

BENCHMARK(BM_FashionMnistEpoch)
    ->Arg(0)
    ->Arg(2)
    ->ArgName("workers")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_FashionMnistGet);
BENCHMARK(BM_DefaultCollate128)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FashionMnistInputs)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
