#pragma once
// `strata quantize`: post-training int8 quantisation of a trained checkpoint.
#include <string>

#include "commands.h"

namespace strata::cli {

struct QuantizeArgs : ConfigArgs {
  std::string checkpoint;  // the trained f32 model
  std::string out;         // the quantised safetensors file
  int64_t calibration = 256;
  std::string method = "minmax";
  double percentile = 99.99;
  double budget = 0.5;  // allowed test accuracy drop, points
};

// Calibrates on training images, quantises, prints the per-layer table, the test accuracy before and after,
// the W8 speed and the file sizes, and writes the quantised model to args.out.
int run_quantize(const QuantizeArgs& args);

}  // namespace strata::cli
