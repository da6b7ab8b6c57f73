#pragma once
// `strata segment`: runs a trained segmenter (a unet config) over the test canvases, reports mean IoU and
// pixel accuracy as one line of JSON, and writes the first canvases with their predicted masks blended over
// them (beside the true masks) into a PNG grid.
#include <CLI/CLI.hpp>

#include "canvas_command.h"

namespace strata::cli {

using SegmentArgs = CanvasArgs;

// Adds the `segment` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_segment_command(CLI::App& app, SegmentArgs& args);

// Evaluates and draws; returns the exit code.
int run_segment(const SegmentArgs& args);

}  // namespace strata::cli
