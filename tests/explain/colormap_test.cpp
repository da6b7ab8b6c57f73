// Colour maps: viridis and jet at their ends and middle.
#include "strata/explain/colormap.h"

#include <gtest/gtest.h>

#include "strata/strata.h"
#include "test_util.h"

namespace strata {
namespace {

using explain::Colormap;

// |a - b| * 255 within `tol` for each channel.
void expect_rgb(const std::array<double, 3>& got, std::array<int, 3> want, double tol) {
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(got[c] * 255.0, want[c], tol) << "channel " << c;
}

TEST(Colormap, ViridisFollowsMatplotlibsTable) {
  // matplotlib's viridis at 0, 0.5 and 1: #440154, #21918c, #fde725.
  expect_rgb(explain::colormap_rgb(Colormap::Viridis, 0.0), {68, 1, 84}, 4);
  expect_rgb(explain::colormap_rgb(Colormap::Viridis, 0.5), {33, 145, 140}, 4);
  expect_rgb(explain::colormap_rgb(Colormap::Viridis, 1.0), {253, 231, 37}, 4);
  expect_rgb(explain::colormap_rgb(Colormap::Viridis, 7.0), {253, 231, 37}, 4);  // clamped
}

TEST(Colormap, Jet) {
  expect_rgb(explain::colormap_rgb(Colormap::Jet, 0.0), {0, 0, 128}, 1);
  expect_rgb(explain::colormap_rgb(Colormap::Jet, 0.5), {128, 255, 128}, 1);
  expect_rgb(explain::colormap_rgb(Colormap::Jet, 1.0), {128, 0, 0}, 1);
}

TEST(Colormap, ApplyAndNames) {
  const Tensor rgb = explain::apply_colormap(from_vector<float>({0, 1}, {1, 2}), Colormap::Jet);
  EXPECT_EQ(rgb.shape(), Shape({3, 1, 2}));
  EXPECT_EQ(rgb.dtype(), kUInt8);
  EXPECT_EQ(rgb.to_vector<int64_t>(), (std::vector<int64_t>{0, 128, 0, 0, 128, 0}));
  EXPECT_EQ(explain::colormap_from_name("jet"), Colormap::Jet);
  EXPECT_NE(testing::error_of([] {
              explain::colormap_from_name("virdis");
            }).find("unknown colour map 'virdis' (did you mean 'viridis'?)"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
