// Interpolation against PyTorch (tests/fixtures/layers_upsample.safetensors, from
// scripts/gen_fixtures_layers.py): PyTorch's index arithmetic for nearest, linear and bilinear with sizes,
// non-integer scale factors and align_corners, channels-last input, and nn::Upsample.
#include "golden_util.h"
#include "strata/nn/upsample.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;
using ops::InterpolateMode;
using ops::InterpolateOptions;

constexpr auto kLinear = InterpolateMode::Linear;
constexpr auto kBilinear = InterpolateMode::Bilinear;

// x as channels-last (NHWC strides, same values), as a convolution would hand it over.
Tensor channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

golden::CaseFn resize(InterpolateOptions o) {
  return [o](Case& c) { return F::interpolate(c.in("x"), o); };
}

golden::CaseFn resize_channels_last(InterpolateOptions o) {
  return [o](Case& c) { return F::interpolate(channels_last(c.in("x")), o); };
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("nearest_1d_size", resize({.size = {8}})),
      golden::f64_and_f32("nearest_1d_scale", resize({.scale_factor = {2.5}})),
      golden::f64_and_f32("linear_1d", resize({.size = {8}, .mode = kLinear})),
      golden::f64_and_f32("linear_1d_align", resize({.size = {8}, .mode = kLinear, .align_corners = true})),
      golden::f64_and_f32("linear_1d_scale", resize({.scale_factor = {1.7}, .mode = kLinear})),
      golden::f64_and_f32("nearest_2d_scale2", resize({.scale_factor = {2.0}})),
      golden::f64_and_f32("nearest_2d_size", resize({.size = {7, 9}})),
      golden::f64_and_f32("nearest_2d_scale_mixed", resize({.scale_factor = {1.5, 0.6}})),
      golden::f64_and_f32("bilinear_2d", resize({.size = {7, 8}, .mode = kBilinear})),
      golden::f64_and_f32("bilinear_2d_align",
                          resize({.size = {7, 8}, .mode = kBilinear, .align_corners = true})),
      golden::f64_and_f32("bilinear_2d_scale", resize({.scale_factor = {1.7, 2.3}, .mode = kBilinear})),
      golden::f64_and_f32("bilinear_2d_down", resize({.size = {3, 4}, .mode = kBilinear})),
      golden::f64_and_f32("bilinear_channels_last",
                          resize_channels_last({.size = {6, 7}, .mode = kBilinear})),
      golden::f64_and_f32("nearest_channels_last", resize_channels_last({.scale_factor = {1.5}})),
      {{"nearest_1d_down", resize({.size = {4}})},
       {"bilinear_2d_down_align", resize({.scale_factor = {0.45}, .mode = kBilinear, .align_corners = true})},
       {"bilinear_2d_to_one", resize({.size = {1}, .mode = kBilinear, .align_corners = true})},
       {"bilinear_channels_last_align",
        resize_channels_last({.scale_factor = {2.5, 1.5}, .mode = kBilinear, .align_corners = true})},
       {"upsample_module",
        [](Case& c) { return nn::Upsample({.scale_factor = {2.0}, .mode = kBilinear})(c.in("x")); }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(UpsampleGolden, "layers_upsample.safetensors", cases);

}  // namespace
}  // namespace strata
