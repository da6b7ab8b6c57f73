// Environment throughput: single-environment steps per second (CartPole-v1, Acrobot-v1, MountainCar-v0,
// Pendulum-v1) and VectorEnv steps per second over 8 copies. Episodes that end are reset inside the loop,
// as a training loop would; the actions follow a fixed cycle.
#include <benchmark/benchmark.h>

#include "strata/rl/env.h"
#include "strata/rl/vector_env.h"
#include "strata/strata.h"

namespace {

using namespace strata;

void single(benchmark::State& state, const std::string& id) {
  auto env = rl::make_env(id);
  const bool discrete = env->action_space().is_discrete();
  const int64_t n = discrete ? env->action_space().n : 0;
  env->reset(0);
  int64_t t = 0;
  float u = 0;
  for (auto _ : state) {
    rl::Step s;
    if (discrete) {
      s = env->step(t % n);
    } else {
      u = static_cast<float>(t % 5) - 2.0f;
      s = env->step(std::span<const float>(&u, 1));
    }
    benchmark::DoNotOptimize(s.observation.data());
    if (s.terminated || s.truncated) env->reset();
    ++t;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CartPole(benchmark::State& state) { single(state, "CartPole-v1"); }
void BM_Acrobot(benchmark::State& state) { single(state, "Acrobot-v1"); }
void BM_MountainCar(benchmark::State& state) { single(state, "MountainCar-v0"); }
void BM_Pendulum(benchmark::State& state) { single(state, "Pendulum-v1"); }

void BM_VectorCartPole8(benchmark::State& state) {
  rl::VectorEnv env("CartPole-v1", 8, 0);
  env.reset();
  const Tensor actions = from_vector<int64_t>({0, 1, 1, 0, 1, 0, 0, 1}, {8});
  for (auto _ : state) benchmark::DoNotOptimize(env.step(actions).observation.raw_data());
  state.SetItemsProcessed(state.iterations() * 8);
}

}  // namespace

BENCHMARK(BM_CartPole);
BENCHMARK(BM_Acrobot);
BENCHMARK(BM_MountainCar);
BENCHMARK(BM_Pendulum);
BENCHMARK(BM_VectorCartPole8);
BENCHMARK_MAIN();
