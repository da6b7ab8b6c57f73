#pragma once
// `strata detect`: runs a trained detector (a centernet config) over the test canvases, reports mAP@0.5 and
// COCO's mAP@[0.5:0.95] as one line of JSON, and draws the first canvases with their predicted boxes and
// class labels into a PNG grid.
#include <CLI/CLI.hpp>

#include "canvas_command.h"

namespace strata::cli {

using DetectArgs = CanvasArgs;

// Adds the `detect` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_detect_command(CLI::App& app, DetectArgs& args);

// Evaluates and draws; returns the exit code.
int run_detect(const DetectArgs& args);

}  // namespace strata::cli
