#pragma once
// Heat maps drawn over the images they explain (Captum's "blended_heat_map"): the map is scaled to [0, 1],
// coloured and alpha-blended over the image, both upscaled so small inputs (28 x 28) stay readable.
#include <cstdint>

#include "strata/core/tensor.h"
#include "strata/explain/colormap.h"

namespace strata::explain {

struct OverlayOptions {
  double alpha = 0.5;  // the heat map's weight in the blend (0: the image alone, 1: the map alone)
  int64_t scale = 8;   // output = image size times this (nearest for the image, bilinear for the map)
  Colormap colormap = Colormap::Viridis;
  double percentile = 99.0;  // the map's value at this percentile becomes 1 (Captum's outlier_perc = 1)
};

// A non-negative heat map [H, W] divided by its `percentile`-th percentile and clamped to [0, 1] (a map of
// zeros stays zero).
Tensor normalize_heat_map(const Tensor& heat, double percentile = 99.0);

// An image in [0, 1] for display: each image [C, H, W] of a model input stretched from its min..max.
Tensor display_image(const Tensor& input);

// The heat map [h, w] (any size: resized to the image) over `image` [C, H, W] (u8, or floating in
// [0, 1]; C = 1 or 3): a u8 RGB image [3, H * scale, W * scale].
Tensor overlay(const Tensor& image, const Tensor& heat, const OverlayOptions& options = {});

}  // namespace strata::explain
