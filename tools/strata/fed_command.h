#pragma once
// `strata federate`: federated training from a YAML config (fed_config.h) into a run folder: per-round
// metrics.csv, curves.png and the global model's checkpoint, and the final test metrics as one JSON line.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct FederateArgs {
  std::string config;
  std::vector<std::string> set;   // --set KEY=VALUE, in order
  std::string out;                // default: runs/<config name>
  std::optional<uint64_t> seed;   // training.seed
  std::optional<int64_t> rounds;  // federated.rounds
  std::optional<int> threads;     // training.threads
  bool no_progress = false;
};

// Adds the `federate` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_federate_command(CLI::App& app, FederateArgs& args);
// Runs the federated training; returns the exit code.
int run_federate(const FederateArgs& args);

}  // namespace strata::cli
