#pragma once
// `strata tune`: hyperparameter search over a training config (grid, random, Bayesian or TPE, optional
// pruning, trials in parallel, resumable), and k-fold cross-validation of a config (--cv K).
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct TuneArgs {
  std::string config;
  std::string space;             // search-space YAML (see docs/tuning.md); not needed with --cv
  std::string method = "bayes";  // grid | random | bayes | tpe, or several separated by commas
  int trials = 20;
  int parallel = 1;
  std::string prune = "none";  // none | median | successive_halving | hyperband
  std::string out;             // default runs/<config name>_tune (or _cv)
  std::vector<std::string> set;
  std::optional<int> threads;
  std::optional<int> epochs;
  std::optional<uint64_t> seed;
  double val_fraction = 0.0;  // 0: the config's data.val_fraction, or 0.1 when it has none
  int grid = 5;               // grid points per continuous parameter
  bool fresh = false;         // ignore an earlier trials.csv in the output folder
  int cv = 0;                 // > 0: cross-validate the config with this many folds instead of tuning
  bool stratified = false;    // stratified folds for --cv
};

// Adds the `tune` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_tune_command(CLI::App& app, TuneArgs& args);

// Tunes (or cross-validates) and prints the result as one line of JSON on stdout; returns the exit code.
int run_tune(const TuneArgs& args);

}  // namespace strata::cli
