#pragma once
// `strata export`: writes the model of a config, with a checkpoint's weights, as an ONNX model.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "strata/nn/module.h"

namespace strata::cli {

struct ExportArgs {
  std::string config;
  std::vector<std::string> set;  // --set KEY=VALUE
  std::string checkpoint;
  std::string onnx;
  int64_t opset = 17;
  bool dynamic_batch = false;
};

// What export_config wrote: the model (with the checkpoint's weights), the example inputs it traced (from
// the first two test examples of the config's data) under their graph input names, and the model's output
// on them.
struct ExportResult {
  std::shared_ptr<nn::Module> model;
  Tensor example;                        // the first input
  std::vector<Tensor> examples;          // every input: one, or source and decoder input for translation
  std::vector<std::string> input_names;  // "input", or "source" and "decoder_input"
  Tensor output;                         // the model's output on `examples` (eval mode)
};

// Adds the `export` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_export_command(CLI::App& app, ExportArgs& args);

// Builds the config's model, loads `checkpoint` into it (none: the model keeps its initial weights) and
// exports it to `onnx_path` traced on real test inputs; with `dynamic_batch` dim 0 of input and output is
// the symbolic "batch". A translation model (its batches pack source and decoder input as [B, 2, L]) exports
// with two token-id inputs, "source" [B, S] and "decoder_input" [B, T], whose lengths are dynamic. Throws
// strata::Error naming the config, checkpoint or unsupported layer.
ExportResult export_config(const Config& config, const std::string& checkpoint, const std::string& onnx_path,
                           int64_t opset = 17, bool dynamic_batch = false);

// Runs `strata export`: prints one line of JSON (file, opset, input and output shapes, bytes).
int run_export(const ExportArgs& args);

}  // namespace strata::cli
