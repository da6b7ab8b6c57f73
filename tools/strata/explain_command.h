#pragma once
// `strata explain`: heat maps of why an image classifier trained by `strata train` chose its class, drawn
// over the images (one overlay PNG, or a grid of images x methods), with the top classes printed. The
// methods come from the library's registry (strata/explain/registry.h).
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"

namespace strata::cli {

struct ExplainArgs : ConfigArgs {
  std::string checkpoint;
  std::string image;                 // --image: one image
  std::vector<std::string> images;   // --images: several (a grid)
  std::optional<int64_t> from_test;  // --from-test N: the first N images of the config's test split
  std::string method;                // --method NAME
  std::string methods;               // --methods a,b,c (a grid, one column each)
  std::string layer;                 // --layer NAME: for layer methods (Grad-CAM)
  std::optional<int64_t> target;     // --target K: the class to explain (default: each image's top class)
  std::string out;                   // --out FILE.png
  double alpha = 0.5;
  std::string colormap = "viridis";
  std::optional<int64_t> scale;  // upscaling factor (default: images at least 224 pixels across)
  int top_k = 3;
  uint64_t seed = 0;
};

// Adds the `explain` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args);

// Loads the model, computes the heat maps, writes the PNG and prints the top classes; returns the exit code.
int run_explain(const ExplainArgs& args);

}  // namespace strata::cli
