// DQN on CartPole-v1 with the C++ API: a VectorEnv, rl::DQN with CleanRL's hyperparameters (DQNOptions'
// defaults: 120-84 ReLU Q-network, Adam 2.5e-4, replay of 10k, target copied every 500 steps, epsilon 1 ->
// 0.05 over half the run, MSE loss) for 500k steps, then 100 greedy evaluation episodes: what
// `strata rl -c configs/cartpole_dqn.yaml` does from a config, written against the library.
//
//   build/examples/dqn_cartpole [seed] [total_steps] [out_dir]
//     writes out_dir/returns.csv (steps, training episode return) and prints one JSON line:
//     {"seed", "steps", "updates", "train_seconds", "eval_mean", "eval_std", "eval_min", "eval_seconds"}
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include "strata/rl/dqn.h"
#include "strata/strata.h"

using namespace strata;

int main(int argc, char** argv) try {
  const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  const int64_t total_steps = argc > 2 ? std::atoll(argv[2]) : 500000;
  const std::filesystem::path out = argc > 3 ? argv[3] : "runs/dqn_cartpole_" + std::to_string(seed);
  std::filesystem::create_directories(out);

  rl::VectorEnv env("CartPole-v1", 1, seed);
  rl::DQN agent(env.observation_space(), env.action_space(), {.seed = seed});

  std::ofstream csv(out / "returns.csv");
  csv << "steps,episode_return\n";
  const auto start = std::chrono::steady_clock::now();
  agent.learn(env, total_steps, [&](const rl::LearnProgress& p) {
    for (double r : p.episode_returns) csv << p.steps << ',' << r << '\n';
  });
  const auto trained = std::chrono::steady_clock::now();
  // Evaluation episodes come from other seeds than training's.
  const std::vector<double> returns = rl::evaluate(agent, "CartPole-v1", 100, 1000000 + seed);
  const auto done = std::chrono::steady_clock::now();

  const double n = static_cast<double>(returns.size());
  const double mean = std::accumulate(returns.begin(), returns.end(), 0.0) / n;
  double var = 0;
  for (double r : returns) var += (r - mean) * (r - mean) / n;
  std::cout << fmt::format(
                   "{{\"seed\": {}, \"steps\": {}, \"updates\": {}, \"train_seconds\": {:.2f}, "
                   "\"eval_mean\": {:.2f}, "
                   "\"eval_std\": {:.2f}, \"eval_min\": {:.1f}, \"eval_seconds\": {:.2f}}}",
                   seed, agent.num_timesteps(), agent.num_updates(),
                   std::chrono::duration<double>(trained - start).count(), mean, std::sqrt(var),
                   *std::min_element(returns.begin(), returns.end()),
                   std::chrono::duration<double>(done - trained).count())
            << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "dqn_cartpole: " << e.what() << "\n";
  return 1;
}
