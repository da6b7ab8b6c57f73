#pragma once
// Picture grids of a GenerativeModel's samples, as `strata generate` writes them: random samples (one row per
// class for a conditional model), or latent interpolations (one row per pair of latents, walked linearly or
// along the great circle between them).
#include <cstdint>
#include <optional>
#include <string>

#include "strata/core/generator.h"
#include "strata/models/generative.h"

namespace strata::models {

// How an interpolation walks from one latent to the other.
enum class Interpolation {
  Linear,     // (1 - t) a + t b
  Spherical,  // slerp: along the great circle, keeping the norm typical of Gaussian latents
};

// The interpolation named "slerp" / "spherical" or "lerp" / "linear"; throws naming them otherwise.
Interpolation interpolation_from_name(const std::string& name);

struct SampleGridOptions {
  int64_t n = 64;                        // images (conditional grids round up to whole class rows)
  std::optional<int64_t> class_label{};  // conditional models: every sample of this class
  bool interpolate = false;              // rows of interpolations instead of independent samples
  Interpolation interpolation = Interpolation::Spherical;
  int64_t steps = 10;  // interpolation: images per row, both ends included (>= 2)
};

// Images [N, C, H, W] in [0, 1] laid out `ncols` per row, and the class of each (i64 [N]; -1 when
// unconditional).
struct SampleGrid {
  Tensor images;
  Tensor labels;
  int64_t ncols = 0;
};

// `steps` latents from a to b ([D] each), both included: [steps, D]. Spherical falls back to linear when a
// and b are (anti)parallel.
Tensor interpolate_latents(const Tensor& a, const Tensor& b, int64_t steps, Interpolation mode);

// Draws the grid with `gen`:
//   samples, unconditional        n images, ceil(sqrt(n)) per row
//   samples, conditional          row k holds class k (ceil(n / classes) per row), or every image is of
//                                 options.class_label when set
//   interpolate                   max(1, n / steps) rows; row r goes from one random latent to another (class
//                                 class_label, or r mod classes, for a conditional model)
// Throws for a class outside 0..classes-1, a class for an unconditional model, n < 1 or steps < 2.
SampleGrid sample_grid(GenerativeModel& model, const SampleGridOptions& options, Generator& gen);

// Writes a grid as a PNG (or JPEG, by extension), 2 pixels of padding, cells upscaled `scale` times.
void save_sample_grid(const std::string& path, const SampleGrid& grid, int64_t scale = 2);

}  // namespace strata::models
