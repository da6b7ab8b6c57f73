// Heat-map overlays: normalisation by a percentile, upscaling, alpha blending.
#include "strata/explain/overlay.h"

#include <gtest/gtest.h>

#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(Overlay, NormalizeDividesByThePercentile) {
  std::vector<float> v(101);
  for (int i = 0; i <= 100; ++i) v[i] = static_cast<float>(i);
  const Tensor n = explain::normalize_heat_map(from_vector(v, {1, 101}), 50.0);
  EXPECT_FLOAT_EQ(n.at({0, 25}), 0.5f);
  EXPECT_FLOAT_EQ(n.at({0, 50}), 1.0f);
  EXPECT_FLOAT_EQ(n.at({0, 100}), 1.0f);  // clamped
  EXPECT_EQ(explain::normalize_heat_map(zeros({2, 2})).max().item(), 0.0);
}

TEST(Overlay, BlendsTheColouredMapOverTheUpscaledImage) {
  const Tensor image = full({1, 2, 2}, 0.2);
  const Tensor heat = zeros({2, 2});
  const Tensor out = explain::overlay(image, heat, {.alpha = 0.0, .scale = 3});
  EXPECT_EQ(out.shape(), Shape({3, 6, 6}));
  EXPECT_EQ(out.dtype(), kUInt8);
  EXPECT_EQ(out.max().item(), 51.0);  // alpha 0: the grey image alone
  EXPECT_EQ(out.min().item(), 51.0);
  // alpha 1: the map alone; a zero map is viridis' dark end everywhere.
  const Tensor map_only = explain::overlay(image, heat, {.alpha = 1.0, .scale = 1});
  const auto dark = explain::colormap_rgb(explain::Colormap::Viridis, 0.0);
  EXPECT_NEAR(map_only.at({0, 1, 1}), dark[0] * 255, 0.5);
  EXPECT_NEAR(map_only.at({2, 0, 0}), dark[2] * 255, 0.5);
  // A coarse map (a layer's resolution) is resized to the image.
  EXPECT_EQ(explain::overlay(full({3, 8, 8}, 0.5), ones({2, 2}), {.scale = 2}).shape(), Shape({3, 16, 16}));
}

TEST(Overlay, DisplayImageStretchesToTheUnitRange) {
  const Tensor d = explain::display_image(from_vector<float>({-2, 0, 2, 6}, {1, 2, 2}));
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{0, 0.25, 0.5, 1}));
}

TEST(Overlay, Errors) {
  EXPECT_NE(testing::error_of([] {
              explain::overlay(zeros({2, 4, 4}), zeros({4, 4}));
            }).find("overlay: expected an image [C, H, W] with C = 1 or 3, got [2, 4, 4]"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              explain::overlay(zeros({1, 4, 4}), zeros({1, 4, 4}));
            }).find("overlay: expected a heat map [h, w], got [1, 4, 4]"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] {
              explain::overlay(zeros({1, 4, 4}), zeros({4, 4}), {.alpha = 2});
            }).find("alpha must be in [0, 1]"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
