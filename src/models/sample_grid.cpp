#include "strata/models/sample_grid.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "strata/core/factory.h"
#include "strata/data/image/grid.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"

namespace strata::models {

Interpolation interpolation_from_name(const std::string& name) {
  if (name == "slerp" || name == "spherical") return Interpolation::Spherical;
  if (name == "lerp" || name == "linear") return Interpolation::Linear;
  STRATA_FAIL("generate: unknown interpolation '{}' (known: slerp, lerp)", name);
}

Tensor interpolate_latents(const Tensor& a, const Tensor& b, int64_t steps, Interpolation mode) {
  STRATA_CHECK(a.defined() && b.defined() && a.dim() == 1 && a.shape() == b.shape(),
               "interpolate_latents: a and b must be latents [D] of one shape, got {} and {}",
               a.defined() ? a.shape().str() : "undefined", b.defined() ? b.shape().str() : "undefined");
  STRATA_CHECK(steps >= 2, "interpolate_latents: steps must be >= 2 (both ends), got {}", steps);
  const auto va = a.to(kFloat64).contiguous().to_vector<double>(),
             vb = b.to(kFloat64).contiguous().to_vector<double>();
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    dot += va[i] * vb[i];
    na += va[i] * va[i];
    nb += vb[i] * vb[i];
  }
  const double cos = na > 0 && nb > 0 ? std::clamp(dot / std::sqrt(na * nb), -1.0, 1.0) : 1.0;
  const double theta = std::acos(cos);
  const bool spherical = mode == Interpolation::Spherical && std::sin(theta) > 1e-6;
  const int64_t d = a.size(0);
  std::vector<double> out(static_cast<size_t>(steps * d));
  for (int64_t s = 0; s < steps; ++s) {
    const double t = static_cast<double>(s) / static_cast<double>(steps - 1);
    const double wa = spherical ? std::sin((1 - t) * theta) / std::sin(theta) : 1 - t;
    const double wb = spherical ? std::sin(t * theta) / std::sin(theta) : t;
    for (int64_t i = 0; i < d; ++i)
      out[static_cast<size_t>(s * d + i)] = wa * va[static_cast<size_t>(i)] + wb * vb[static_cast<size_t>(i)];
  }
  return from_vector(out, {steps, d}).to(a.dtype());
}

SampleGrid sample_grid(GenerativeModel& model, const SampleGridOptions& options, Generator& gen) {
  const int64_t classes = model.num_classes();
  STRATA_CHECK(options.n >= 1, "generate: --n must be at least 1, got {}", options.n);
  if (options.class_label) {
    STRATA_CHECK(classes > 0,
                 "generate: --class {} needs a conditional model (cgan); this model is unconditional",
                 *options.class_label);
    STRATA_CHECK(*options.class_label >= 0 && *options.class_label < classes,
                 "generate: unknown class {} (the model has {} classes: 0..{})", *options.class_label,
                 classes, classes - 1);
  }
  const int64_t dim = model.latent_dim();
  SampleGrid grid;
  std::vector<int64_t> labels;
  Tensor z;
  if (options.interpolate) {
    STRATA_CHECK(options.steps >= 2, "generate: interpolation steps must be >= 2, got {}", options.steps);
    const int64_t rows = std::max<int64_t>(1, options.n / options.steps);
    std::vector<Tensor> parts;
    for (int64_t r = 0; r < rows; ++r) {
      const Tensor ends = randn({2, dim}, {}, &gen);
      parts.push_back(
          interpolate_latents(ends.select(0, 0), ends.select(0, 1), options.steps, options.interpolation));
      const int64_t label = classes == 0 ? -1 : options.class_label.value_or(r % classes);
      labels.insert(labels.end(), static_cast<size_t>(options.steps), label);
    }
    z = ops::cat(parts, 0);
    grid.ncols = options.steps;
  } else {
    if (classes > 0 && !options.class_label) {
      grid.ncols = (options.n + classes - 1) / classes;
      for (int64_t k = 0; k < classes; ++k) labels.insert(labels.end(), static_cast<size_t>(grid.ncols), k);
    } else {
      grid.ncols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(options.n))));
      labels.assign(static_cast<size_t>(options.n), classes > 0 ? *options.class_label : -1);
    }
    z = randn({static_cast<int64_t>(labels.size()), dim}, {}, &gen);
  }
  grid.labels = from_vector(labels);
  grid.images = model.decode(z, classes > 0 ? grid.labels : Tensor{});
  return grid;
}

void save_sample_grid(const std::string& path, const SampleGrid& grid, int64_t scale) {
  STRATA_CHECK(grid.images.defined() && grid.images.dim() == 4 && grid.ncols > 0,
               "save_sample_grid: expected images [N, C, H, W] and a column count, got {}",
               grid.images.defined() ? grid.images.shape().str() : "undefined");
  std::vector<Tensor> cells;
  const Tensor images = ops::clamp(grid.images.to(kFloat32), 0.0, 1.0);
  for (int64_t i = 0; i < images.size(0); ++i) cells.push_back(images.select(0, i));
  data::image::save_grid(path, cells, grid.ncols, {.scale = scale});
}

}  // namespace strata::models
