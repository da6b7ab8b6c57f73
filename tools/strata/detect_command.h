#pragma once
// `strata detect`: runs a trained detector (a centernet config) over the test canvases, reports mAP@0.5 and
// COCO's mAP@[0.5:0.95] as one line of JSON, and draws the first canvases with their predicted boxes and
// class labels into a PNG grid.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace strata::cli {

struct DetectArgs {
  std::string config;
  std::string checkpoint;  // the trained weights (a run's last.safetensors)
  std::string out;         // PNG of the first `count` canvases with boxes; empty: none
  int count = 8;           // canvases drawn
  std::optional<int> threads;
};

// Adds the `detect` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_detect_command(CLI::App& app, DetectArgs& args);

// Evaluates and draws; returns the exit code.
int run_detect(const DetectArgs& args);

}  // namespace strata::cli
