#pragma once
// The configuration `strata rl` reads from YAML (docs/rl.md describes it), validated field by field; every
// error names the file, line and field (or the command-line option that set it):
//   env: {id: CartPole-v1, num_envs: 8}
//   algorithm: {name: ppo, n_steps: 32, ...}   # hyperparameters as SB3 / CleanRL name them
//   policy: {hidden: [64, 64], activation: tanh}
//   train: {total_steps: 100000, seed: 0}
//   eval: {episodes: 100}
#include <cstdint>
#include <string>
#include <vector>

#include "config.h"
#include "strata/nn/layer_registry.h"
#include "strata/rl/registry.h"

namespace strata::cli {

struct RlConfig {
  std::string path;
  std::string name;  // empty: the config file's stem
  std::string env_id = "CartPole-v1";
  int64_t num_envs = 1;
  std::string algorithm = "ppo";
  nn::ArgMap options;  // every hyperparameter of the algorithm, defaults filled in
  rl::PolicyOptions policy;
  int64_t total_steps = 100000;
  uint64_t seed = 0;
  int threads = 0;               // 0: leave as is (STRATA_NUM_THREADS or all cores)
  int64_t checkpoint_every = 0;  // environment steps between checkpoints (0: only at the end)
  int64_t eval_episodes = 100;
  uint64_t eval_seed = 1000000;  // evaluation episodes are seeded apart from training's
  bool eval_deterministic = true;
};

// Reads `path`, applies `overrides` in order and validates everything (the algorithm's options against the
// registry and the environment's action space); throws strata::Error naming the file, line and field.
RlConfig load_rl_config(const std::string& path, const std::vector<Override>& overrides = {});
// The resolved config (defaults filled in, overrides applied) as YAML that load_rl_config reads back.
std::string rl_config_yaml(const RlConfig& config);

}  // namespace strata::cli
