#include "strata/explain/overlay.h"

#include <algorithm>
#include <cmath>

#include "strata/core/factory.h"
#include "strata/data/image/functional.h"
#include "strata/data/image/io.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::explain {

namespace image = data::image;

Tensor normalize_heat_map(const Tensor& heat, double percentile) {
  STRATA_CHECK(heat.defined() && heat.dim() == 2, "normalize_heat_map: expected a map [H, W], got {}",
               heat.defined() ? heat.shape().str() : "undefined");
  STRATA_CHECK(percentile > 0 && percentile <= 100,
               "normalize_heat_map: percentile must be in (0, 100], got {}", percentile);
  std::vector<double> v = heat.to_vector<double>();
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  // Linear interpolation between closest ranks (numpy's default percentile).
  const double pos = percentile / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double top = sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
  for (double& x : v) x = top > 0 ? std::clamp(x / top, 0.0, 1.0) : 0.0;
  return from_vector(v, heat.shape()).to(kFloat32);
}

Tensor display_image(const Tensor& input) {
  STRATA_CHECK(input.defined() && input.dim() == 3, "display_image: expected an image [C, H, W], got {}",
               input.defined() ? input.shape().str() : "undefined");
  const Tensor x = input.detach().to(kFloat32);
  const double lo = x.min().item(), hi = x.max().item();
  return hi > lo ? ops::div(ops::sub(x, lo), hi - lo) : zeros_like(x);
}

Tensor overlay(const Tensor& img, const Tensor& heat, const OverlayOptions& options) {
  STRATA_CHECK(img.defined() && img.dim() == 3 && (img.size(0) == 1 || img.size(0) == 3),
               "overlay: expected an image [C, H, W] with C = 1 or 3, got {}",
               img.defined() ? img.shape().str() : "undefined");
  STRATA_CHECK(heat.defined() && heat.dim() == 2, "overlay: expected a heat map [h, w], got {}",
               heat.defined() ? heat.shape().str() : "undefined");
  STRATA_CHECK(options.alpha >= 0 && options.alpha <= 1, "overlay: alpha must be in [0, 1], got {}",
               options.alpha);
  STRATA_CHECK(options.scale >= 1, "overlay: scale must be >= 1, got {}", options.scale);
  const int64_t h = img.size(1) * options.scale, w = img.size(2) * options.scale;
  const Tensor base = img.dtype() == kUInt8 ? ops::div(img.to(kFloat32), 255.0) : img.to(kFloat32);
  const Tensor big = image::resize(base, {h, w}, {.interpolation = image::Interpolation::Nearest});
  const Tensor map = normalize_heat_map(heat, options.percentile).unsqueeze(0);
  const Tensor big_map =
      image::resize(map, {h, w}, {.interpolation = image::Interpolation::Bilinear, .antialias = false})
          .select(0, 0);
  const std::vector<float> pix = big.contiguous().to_vector<float>();
  const std::vector<float> m = big_map.contiguous().to_vector<float>();
  const bool grey = img.size(0) == 1;
  Tensor out = empty({3, h, w}, {.dtype = kUInt8});
  uint8_t* p = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < h * w; ++i) {
    const auto rgb = colormap_rgb(options.colormap, m[i]);
    for (int64_t c = 0; c < 3; ++c) {
      const double under = std::clamp<double>(pix[(grey ? 0 : c) * h * w + i], 0.0, 1.0);
      const double v = (1 - options.alpha) * under + options.alpha * rgb[c];
      p[c * h * w + i] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
    }
  }
  return out;
}

}  // namespace strata::explain
