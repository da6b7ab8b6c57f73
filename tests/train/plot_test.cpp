// Line plots: a PNG of the requested size; a series' band is shaded in its colour's light tint under the
// line.
#include "strata/train/plot.h"

#include <filesystem>

#include "strata/data/image/io.h"
#include "test_util.h"

namespace strata::train {
namespace {

TEST(Plot, WritesPanelsWithBands) {
  const auto path = std::filesystem::temp_directory_path() / fmt::format("strata_plot_{}.png", getpid());
  Series s{"mean", {0.0, 1.0, 2.0, 3.0}, {-1.0, 0.0, 1.0, 2.0}, {1.0, 2.0, 3.0, 4.0}};
  plot_line_panels(path.string(), {{"with band", {s}}, {"plain", {{"x", {1.0, 2.0}}}}}, 300, 200, "update");
  const Tensor img = data::image::read_image(path.string());  // [3, H, W] u8
  std::filesystem::remove(path);
  ASSERT_EQ(img.shape(), (Shape{3, 200, 600}));
  // Count pixels of the first colour's light tint (31, 119, 180) -> (199, 221, 236) in the left panel.
  const Tensor left = img.slice(2, 0, 300).to(kInt64);
  const Tensor tint = ops::eq(left.select(0, 0), 199.0).to(kInt64) *
                      ops::eq(left.select(0, 1), 221.0).to(kInt64) *
                      ops::eq(left.select(0, 2), 236.0).to(kInt64);
  EXPECT_GT(tint.sum().item(), 1000.0);
  const Tensor right = img.slice(2, 300, 600).to(kInt64);
  const Tensor tint_right =
      ops::eq(right.select(0, 0), 199.0).to(kInt64) * ops::eq(right.select(0, 1), 221.0).to(kInt64);
  EXPECT_EQ(tint_right.sum().item(), 0.0);
}

}  // namespace
}  // namespace strata::train
