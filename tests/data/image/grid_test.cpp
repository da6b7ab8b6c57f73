#include "strata/data/image/grid.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::TempDir;

TEST(ImageGrid, LaysOutCellsRowByRowWithPadding) {
  // Five 2x3 images, three per row: 2 rows; padding 1.
  std::vector<Tensor> imgs;
  for (int i = 0; i < 5; ++i) imgs.push_back(full({1, 2, 3}, i / 4.0));
  const Tensor g = make_grid(imgs, 3, {.padding = 1, .pad_value = 1.0});
  EXPECT_EQ(g.dtype(), kUInt8);
  EXPECT_EQ(g.shape(), (Shape{3, 2 * 3 + 1, 3 * 4 + 1}));
  EXPECT_EQ(g.at({0, 0, 0}), 255.0);  // padding
  EXPECT_EQ(g.at({0, 1, 1}), 0.0);    // image 0 (black)
  EXPECT_EQ(g.at({1, 1, 5}), 64.0);   // image 1 (0.25), grey replicated to green
  EXPECT_EQ(g.at({2, 4, 5}), 255.0);  // image 4 (1.0) in row 2, column 1
  EXPECT_EQ(g.at({0, 4, 9}), 255.0);  // the empty sixth cell is background
}

TEST(ImageGrid, ScalesCentresAndCompositesAlpha) {
  const Tensor small = from_vector<uint8_t>({10, 20, 30, 40}, Shape{1, 2, 2});
  const Tensor big = zeros({3, 6, 6}, {.dtype = kUInt8});
  const Tensor g = make_grid({small, big}, 2, {.padding = 0, .pad_value = 0.0, .scale = 2});
  // Cells are 12x12 (the big image scaled); the small one is 4x4, centred at offset 4.
  EXPECT_EQ(g.shape(), (Shape{3, 12, 24}));
  EXPECT_EQ(g.at({0, 4, 4}), 10.0);
  EXPECT_EQ(g.at({0, 5, 5}), 10.0);
  EXPECT_EQ(g.at({0, 6, 7}), 40.0);
  // Half-transparent red over a white background is pink.
  const Tensor rgba = from_vector<float>({1, 0, 0, 0.5}, Shape{4, 1, 1});
  const Tensor p = make_grid({rgba}, 1, {.padding = 0});
  EXPECT_EQ(p.to_vector<int64_t>(), (std::vector<int64_t>{255, 128, 128}));
}

TEST(ImageGrid, NormalizeStretchesEachImage) {
  const Tensor img = from_vector<float>({-2, 0, 2, 6}, Shape{1, 2, 2});
  const Tensor g = make_grid({img}, 1, {.padding = 0, .normalize = true});
  EXPECT_EQ(g.select(0, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 64, 128, 255}));
  // Without it values are clamped.
  EXPECT_EQ(make_grid({img}, 1, {.padding = 0}).select(0, 0).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 255, 255}));
}

TEST(ImageGrid, SaveGridWritesAPng) {
  TempDir dir;
  std::vector<Tensor> imgs = {testing::random_f32(3, 8, 8, 1), testing::random_u8(1, 8, 8, 2)};
  save_grid(dir / "grid.png", imgs, 2);
  const Tensor back = read_image(dir / "grid.png");
  EXPECT_TRUE(equal(back, make_grid(imgs, 2)));
}

TEST(ImageGrid, BadInputsRaise) {
  EXPECT_ERROR_CONTAINS(make_grid({}, 2), "make_grid", "no images");
  EXPECT_ERROR_CONTAINS(make_grid({zeros({1, 2, 2})}, 0), "make_grid", "ncols");
  EXPECT_ERROR_CONTAINS(make_grid({zeros({1, 1, 2, 2})}, 1), "make_grid", "image 0", "[1, 1, 2, 2]");
  EXPECT_ERROR_CONTAINS(make_grid({zeros({5, 2, 2})}, 1), "make_grid", "1 to 4 channels");
  EXPECT_ERROR_CONTAINS(make_grid({zeros({1, 2, 2})}, 1, {.scale = 0}), "make_grid", "scale");
  EXPECT_ERROR_CONTAINS(make_grid({zeros({1, 2, 2})}, 1, {.pad_value = 3.0}), "pad_value");
  EXPECT_ERROR_CONTAINS(make_grid({full({1, 2, 2}, NAN)}, 1, {.normalize = true}), "non-finite");
}

}  // namespace
}  // namespace strata::data::image
