// Op overhead and GEMM throughput: what a user pays per tiny op (with and without autograd) and how
// close strata's matmul gets to calling oneDNN directly. bench/run puts these next to PyTorch.
#include <benchmark/benchmark.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "strata/strata.h"

namespace {

using strata::Tensor;

// Benchmarks take the thread count as their last argument.
void use_threads(benchmark::State& state, int arg) {
  const int threads = static_cast<int>(state.range(arg));
  strata::set_num_threads(threads);
  state.counters["threads"] = threads;
}

// ---- per-op overhead on a 1x16 f32 tensor ---------------------------------------------------------

void BM_AddNoGrad(benchmark::State& state) {
  use_threads(state, 0);
  const Tensor a = strata::randn({1, 16});
  const Tensor b = strata::randn({1, 16});
  for (auto _ : state) benchmark::DoNotOptimize(strata::ops::add(a, b));
}

void BM_AddOperator(benchmark::State& state) {
  use_threads(state, 0);
  const Tensor a = strata::randn({1, 16});
  const Tensor b = strata::randn({1, 16});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

// Inputs require grad: each add records a graph node (freed again when the result dies).
void BM_AddRecorded(benchmark::State& state) {
  use_threads(state, 0);
  const Tensor a = strata::randn({1, 16}).requires_grad_();
  const Tensor b = strata::randn({1, 16}).requires_grad_();
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
}

// A whole forward + backward of a tiny graph; gradients are dropped each step (like grad = None).
void BM_TinyGraphBackward(benchmark::State& state) {
  use_threads(state, 0);
  Tensor x = strata::randn({1, 16}).requires_grad_();
  Tensor w = strata::randn({1, 16}).requires_grad_();
  Tensor b = strata::randn({1, 16}).requires_grad_();
  for (auto _ : state) {
    (x * w + b).sum().backward();
    x.zero_grad();
    w.zero_grad();
    b.zero_grad();
  }
}

// ---- square f32 GEMM ----------------------------------------------------------------------------

void set_flops(benchmark::State& state, int64_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * n * n) / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  use_threads(state, 1);
  const Tensor a = strata::randn({n, n});
  const Tensor b = strata::randn({n, n});
  benchmark::DoNotOptimize(strata::ops::matmul(a, b));  // primitive creation outside the loop
  for (auto _ : state) benchmark::DoNotOptimize(strata::ops::matmul(a, b));
  set_flops(state, n);
}

// oneDNN called directly: primitive and memory objects created once, only execute() is timed.
void BM_OnednnDirect(benchmark::State& state) {
  const int64_t n = state.range(0);
  use_threads(state, 1);
  using dnnl::memory;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  const memory::desc md({n, n}, memory::data_type::f32, memory::format_tag::ab);
  const dnnl::matmul prim(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), eng));
  const Tensor a = strata::randn({n, n});
  const Tensor b = strata::randn({n, n});
  const Tensor c = strata::empty({n, n});
  const memory ma(md, eng, a.raw_data());
  const memory mb(md, eng, b.raw_data());
  const memory mc(md, eng, c.raw_data());
  const std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
  prim.execute(s, args);
  s.wait();
  for (auto _ : state) {
    prim.execute(s, args);
    s.wait();
  }
  set_flops(state, n);
}

void overhead_args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) b->Arg(threads);
}

void gemm_args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int n : {16, 256, 512, 1024, 2048}) b->Args({n, threads});
  }
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_AddNoGrad)->Apply(overhead_args)->ArgName("threads");
BENCHMARK(BM_AddOperator)->Apply(overhead_args)->ArgName("threads");
BENCHMARK(BM_AddRecorded)->Apply(overhead_args)->ArgName("threads");
BENCHMARK(BM_TinyGraphBackward)->Apply(overhead_args)->ArgName("threads");
BENCHMARK(BM_Matmul)->Apply(gemm_args);
BENCHMARK(BM_OnednnDirect)->Apply(gemm_args);

}  // namespace

BENCHMARK_MAIN();
