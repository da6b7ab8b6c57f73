#pragma once
// `strata compile`: traces a config's model and training step through strata::compiler on the first
// training batch and prints the graph before and after the passes, the fusion groups and the memory
// plan (--explain), and times compiled steps against eager ones (--steps).
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct CompileArgs {
  std::string config;
  std::vector<std::string> set;
  std::optional<int> threads;
  bool explain = false;  // print graphs, fusions and the memory plan
  int steps = 0;         // > 0: time this many eager and compiled steps (CPU time per step)
};

// Adds the `compile` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_compile_command(CLI::App& app, CompileArgs& args);

// Traces, prints what --explain asks for, then one JSON line (trace time, compiled or the fallback
// reason, and with --steps the per-step times).
int run_compile(const CompileArgs& args);

}  // namespace strata::cli
