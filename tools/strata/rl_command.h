#pragma once
// `strata rl`: trains a reinforcement-learning agent from a YAML config (rl_config.h) into a run folder, or,
// with --eval, plays a saved policy and prints its returns as one JSON line.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct RlArgs {
  std::string config;
  std::vector<std::string> set;  // --set KEY=VALUE, in order
  std::string out;               // default: runs/<config name>
  std::optional<uint64_t> seed;  // train.seed
  std::optional<int64_t> steps;  // train.total_steps
  std::optional<int> threads;    // train.threads
  bool eval = false;
  std::string checkpoint;           // --eval: the policy to play
  std::optional<int64_t> episodes;  // --eval: eval.episodes
  bool no_progress = false;
};

// Adds the `rl` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_rl_command(CLI::App& app, RlArgs& args);

// Trains (writing config.yaml, metrics.csv, episodes.csv, curves.png and checkpoint.safetensors into the
// run folder, and the final evaluation as one JSON line on stdout), or with args.eval evaluates a
// checkpoint; returns the exit code.
int run_rl(const RlArgs& args);

}  // namespace strata::cli
