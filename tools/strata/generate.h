#pragma once
// `strata generate`: samples text from a character-level LSTM language model trained by examples/char_lm.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace strata::cli {

struct GenerateArgs {
  std::string config;      // the char_lm YAML config (model section: embedding_dim, hidden_size, num_layers)
  std::string checkpoint;  // model.safetensors written by char_lm (weights + the tokenizer in its metadata)
  std::optional<std::string> prompt;
  std::optional<int64_t> tokens;
  std::optional<double> temperature;
  std::optional<int64_t> top_k;
  std::optional<uint64_t> seed;
};

// Adds the `generate` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_generate_command(CLI::App& app, GenerateArgs& args);

// Loads the model and prints the prompt followed by the sampled text; returns the exit code.
int run_generate(const GenerateArgs& args);

}  // namespace strata::cli
