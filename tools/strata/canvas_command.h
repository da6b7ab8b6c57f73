#pragma once
// What `strata detect` and `strata segment` share: their options, and the trained model rebuilt from its
// training config and checkpoint with the test canvases to run it on.
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "config.h"
#include "strata/nn/module.h"
#include "training_data.h"

namespace strata::cli {

struct CanvasArgs {
  std::string config;
  std::string checkpoint;  // the trained weights (a run's last.safetensors)
  std::string out;         // PNG of the first `count` canvases; empty: none
  int count = 8;           // canvases drawn
  std::optional<int> threads;
};

// Adds subcommand `name` with the shared options; `model` names the zoo model its configs train and
// `out_help` says what the PNG shows.
CLI::App* add_canvas_command(CLI::App& app, CanvasArgs& args, const std::string& name,
                             const std::string& description, const std::string& model,
                             const std::string& out_help);

struct CanvasRun {
  Config config;
  TrainingData data;  // the test canvases (no training split)
  std::shared_ptr<nn::Module> model;
};

// Loads the config, sets the threads and builds the model (the caller checks its type, then loads the
// checkpoint into it, so a wrong config is named before the checkpoint is read).
CanvasRun load_canvas_run(const CanvasArgs& args);

}  // namespace strata::cli
