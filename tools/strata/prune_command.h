#pragma once
// `strata prune`: magnitude pruning (per layer or global, masks held through fine-tuning) or structured
// channel pruning of a trained checkpoint, with accuracy, size and speed before and after.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct PruneArgs {
  std::string config;
  std::string checkpoint;
  std::string out;          // the pruned weights (safetensors state dict)
  double sparsity = 0.5;    // unstructured: fraction of weights zeroed; structured: of channels removed
  bool global = false;      // one threshold over all weights (else per layer)
  bool structured = false;  // remove conv channels (a smaller dense network)
  int64_t round_to = 4;     // structured: kept channel counts rounded up to a multiple of this
  std::string schedule = "oneshot";  // oneshot | gradual (Zhu & Gupta over the fine-tuning steps)
  int fine_tune_epochs = 0;
  std::vector<std::string> set;
  std::optional<int> threads;
  bool progress = true;
};

// Adds the `prune` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_prune_command(CLI::App& app, PruneArgs& args);

// Prunes, fine-tunes, writes args.out and prints the figures before and after as one line of JSON.
int run_prune(const PruneArgs& args);

}  // namespace strata::cli
