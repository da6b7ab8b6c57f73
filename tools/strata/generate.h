#pragma once
// `strata generate`: samples text from a language model trained by `strata train` on a text-lm config, or
// from a character-level LSTM trained by examples/char_lm; writes image grids for generative image models
// (generate_images.h).
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace strata::cli {

struct GenerateArgs {
  std::string config;  // a text-lm train config, or a char_lm config (model: embedding_dim, hidden_size, ...)
  std::string
      checkpoint;  // a train checkpoint, or char_lm's model.safetensors (weights + tokenizer metadata)
  std::optional<std::string> prompt;
  std::optional<int64_t> tokens;
  std::optional<double> temperature;
  std::optional<int64_t> top_k;
  std::optional<double> top_p;
  std::optional<uint64_t> seed;
  // Image models (generate_images.h): the grid's file, its size, a class, interpolation rows.
  std::string out;
  std::optional<int64_t> n;
  std::optional<int64_t> class_label;
  bool interpolate = false;
  std::string interpolation = "slerp";
  std::optional<int64_t> steps;
};

// Adds the `generate` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_generate_command(CLI::App& app, GenerateArgs& args);

// Loads the model and prints the prompt followed by the sampled text; returns the exit code.
int run_generate(const GenerateArgs& args);

}  // namespace strata::cli
