#include "strata/explain/colormap.h"

#include <algorithm>
#include <cmath>

#include "strata/core/did_you_mean.h"
#include "strata/core/factory.h"

namespace strata::explain {

Colormap colormap_from_name(const std::string& name) {
  if (name == "viridis") return Colormap::Viridis;
  if (name == "jet") return Colormap::Jet;
  STRATA_FAIL("unknown colour map '{}'{} (viridis or jet)", name, did_you_mean(name, {"viridis", "jet"}));
}

std::array<double, 3> colormap_rgb(Colormap map, double t) {
  t = std::isnan(t) ? 0.0 : std::clamp(t, 0.0, 1.0);
  if (map == Colormap::Jet) {
    auto ramp = [](double v) { return std::clamp(v, 0.0, 1.0); };
    return {ramp(1.5 - std::abs(4 * t - 3)), ramp(1.5 - std::abs(4 * t - 2)),
            ramp(1.5 - std::abs(4 * t - 1))};
  }
  // Viridis as a degree-6 polynomial least-squares fit of matplotlib's table (Matt Zucker's fit; within
  // about 1/255 of the table).
  static constexpr double kC[7][3] = {{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
                                      {0.1050930431085774, 1.404613529898575, 1.384590162594685},
                                      {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
                                      {-4.634230498983486, -5.799100973351585, -19.33244095627987},
                                      {6.228269936347081, 14.17993336680509, 56.69055260068105},
                                      {4.776384997670288, -13.74514537774601, -65.35303263337234},
                                      {-5.435455855934631, 4.645852612178535, 26.3124352495832}};
  std::array<double, 3> rgb{};
  for (int c = 0; c < 3; ++c) {
    double v = kC[6][c];
    for (int k = 5; k >= 0; --k) v = kC[k][c] + t * v;
    rgb[c] = std::clamp(v, 0.0, 1.0);
  }
  return rgb;
}

Tensor apply_colormap(const Tensor& values, Colormap map) {
  STRATA_CHECK(values.defined() && values.dim() == 2, "apply_colormap: expected values [H, W], got {}",
               values.defined() ? values.shape().str() : "undefined");
  const int64_t h = values.size(0), w = values.size(1);
  const std::vector<double> v = values.to_vector<double>();
  Tensor out = empty({3, h, w}, {.dtype = kUInt8});
  uint8_t* p = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < h * w; ++i) {
    const auto rgb = colormap_rgb(map, v[i]);
    for (int c = 0; c < 3; ++c) p[c * h * w + i] = static_cast<uint8_t>(std::lround(rgb[c] * 255.0));
  }
  return out;
}

}  // namespace strata::explain
