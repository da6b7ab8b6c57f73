#pragma once
// `strata data augment`: a PNG grid of augmented training samples beside their originals, from the `data:`
// and `augment:` sections of a YAML config.
//
//   data:    {dataset: fashion-mnist}        # fashion-mnist | mnist | emoji | folder (with root)
//   augment:
//     - random_crop: {size: 28, padding: 2}
//     - random_horizontal_flip
//     - random_rotation: {degrees: 10, interpolation: bilinear}
#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace strata::cli {

struct AugmentArgs {
  std::string config;
  std::string preview;           // the PNG to write
  int64_t n = 16;                // samples shown
  std::optional<uint64_t> seed;  // default: training.seed of the config, else 0
  int64_t scale = 0;             // cell upscaling (0: enough for cells of 64 pixels)
};

// Adds `data augment` to `app` (under an existing `data` command when another part added one); returns it.
CLI::App* add_data_augment_command(CLI::App& app, AugmentArgs& args);
// Runs it; returns the exit code, throws strata::Error on bad configs or data.
int run_data_augment(const AugmentArgs& args);

}  // namespace strata::cli
