#pragma once
// Colour maps for heat maps: perceptually uniform viridis (matplotlib's default) and the classic jet.
#include <array>
#include <string>

#include "strata/core/tensor.h"

namespace strata::explain {

enum class Colormap { Viridis, Jet };

// The map named "viridis" or "jet"; errors list the names.
Colormap colormap_from_name(const std::string& name);

// The colour of t in [0, 1] (clamped) as RGB in [0, 1].
std::array<double, 3> colormap_rgb(Colormap map, double t);

// Values [H, W] in [0, 1] (clamped) as a u8 RGB image [3, H, W].
Tensor apply_colormap(const Tensor& values, Colormap map = Colormap::Viridis);

}  // namespace strata::explain
