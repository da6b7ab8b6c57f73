#pragma once
// `strata data`: look at and prepare data sets.
//
// `strata data augment`: a PNG grid of augmented training samples beside their originals, from the `data:`
// and `augment:` sections of a YAML config (or the `data.augment:` list of a training config).
//
//   data:    {dataset: fashion-mnist}        # fashion-mnist | mnist | emoji | folder (with root)
//   augment:
//     - random_crop: {size: 28, padding: 2}
//     - random_horizontal_flip
//     - random_rotation: {degrees: 10, interpolation: bilinear}
//
// `strata data describe|clean|split FILE`: tables (CSV/TSV or ARFF) through strata/data/table/:
//   strata data describe penguins.csv
//   strata data clean penguins.csv --dedup --impute median --outliers iqr:clip --encode onehot
//       --scale standard --target species --out clean.csv --report report.md
//   strata data split penguins.csv --stratify species --test 0.2 --seed 1 --out splits/
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/data/image/spec.h"

namespace strata::cli {

// One item of an augment list (`name` or `name: {arg: value, ...}`) as a TransformSpec whose `where` is
// "path:line"; throws naming that place when the item is malformed.
data::image::TransformSpec transform_spec(const YAML::Node& item, const std::string& path);

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

// The options of `data describe`, `data clean` and `data split`.
struct TableArgs {
  std::string file;
  std::vector<std::string> na;     // tokens read as missing (default: the CSV reader's)
  std::vector<std::string> types;  // COLUMN=TYPE, replacing the inferred type
  std::vector<std::string> drop;   // columns left out
  // clean
  bool dedup = false;
  std::string drop_missing;         // rows | columns, optionally :THRESHOLD
  std::vector<std::string> impute;  // strategies, in order
  std::string outliers;             // METHOD[:ACTION]
  std::string encode, scale;
  std::string target;  // never encoded, scaled, clipped or dropped
  std::string out;     // clean: the CSV to write; split: the folder
  std::string report;
  // split
  double test = 0.2, val = 0.0;
  std::string stratify;
  uint64_t seed = 0;
};

struct TableCommands {
  CLI::App *describe = nullptr, *clean = nullptr, *split = nullptr;
  // True when one of them is on the command line.
  bool parsed() const { return *describe || *clean || *split; }
};

// Adds `data describe`, `data clean` and `data split` to `app` (under its `data` command).
TableCommands add_data_table_commands(CLI::App& app, TableArgs& args);
// Runs whichever of them was parsed; returns the exit code, throws strata::Error on bad files or options.
int run_data_table(const TableCommands& commands, const TableArgs& args);

}  // namespace strata::cli
