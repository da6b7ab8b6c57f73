// Invariants and error paths of the image operations (values against torchvision are in
// functional_golden_test.cpp).
#include "strata/data/image/functional.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::max_abs_diff;
using testing::random_f32;
using testing::random_u8;

TEST(ImageFunctional, FlipsAreInvolutionsAndMirror) {
  const Tensor img = random_f32(3, 5, 7);
  EXPECT_TRUE(equal(hflip(hflip(img)), img));
  EXPECT_TRUE(equal(vflip(vflip(img)), img));
  EXPECT_EQ(hflip(img).at({1, 2, 0}), img.at({1, 2, 6}));
  EXPECT_EQ(vflip(img).at({2, 0, 3}), img.at({2, 4, 3}));
  // Non-contiguous input and extra leading dims.
  const Tensor t = random_u8(6, 4, 5).reshape({2, 3, 4, 5}).transpose(2, 3);
  EXPECT_TRUE(equal(hflip(t), hflip(t.contiguous())));
}

TEST(ImageFunctional, CropInsideIsASliceAndOutsideIsZero) {
  const Tensor img = random_f32(2, 6, 8);
  EXPECT_TRUE(equal(crop(img, 1, 2, 3, 4), img.slice(1, 1, 4).slice(2, 2, 6).contiguous()));
  const Tensor out = crop(img, -1, -2, 3, 4);
  EXPECT_EQ(out.at({0, 0, 0}), 0.0);
  EXPECT_EQ(out.at({1, 1, 2}), img.at({1, 0, 0}));
  EXPECT_EQ(crop(img, 10, 10, 2, 2).abs().sum().item(), 0.0);
}

TEST(ImageFunctional, PadModesMapIndicesLikeNumpy) {
  const Tensor row = from_vector<float>({1, 2, 3}, Shape{1, 1, 3});
  auto values = [&](PaddingMode m) { return pad(row, {2, 0, 2, 0}, 9.0, m).to_vector<float>(); };
  EXPECT_EQ(values(PaddingMode::Constant), (std::vector<float>{9, 9, 1, 2, 3, 9, 9}));
  EXPECT_EQ(values(PaddingMode::Edge), (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  EXPECT_EQ(values(PaddingMode::Reflect), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(values(PaddingMode::Symmetric), (std::vector<float>{2, 1, 1, 2, 3, 3, 2}));
  EXPECT_EQ(pad(row, Padding::all(1)).shape(), (Shape{1, 3, 5}));
}

TEST(ImageFunctional, CenterCropRoundsLikePython) {
  const Tensor img = arange(25.0).reshape({1, 5, 5});
  // (5 - 2) / 2 = 1.5 rounds to 2 (half to even), as torchvision.
  EXPECT_EQ(center_crop(img, 2, 2).to_vector<float>(), (std::vector<float>{12, 13, 17, 18}));
  EXPECT_EQ(center_crop(img, 3, 3).at({0, 0, 0}), 6.0);
  EXPECT_EQ(center_crop(img, 7, 5).shape(), (Shape{1, 7, 5}));
}

TEST(ImageFunctional, ResizeKeepsConstantsAndIdentity) {
  const Tensor img = random_f32(3, 8, 6);
  for (bool aa : {false, true}) {
    EXPECT_TRUE(allclose(resize(img, {8, 6}, {.antialias = aa}), img));
    const Tensor flat = full({3, 9, 7}, 0.25);
    EXPECT_LT(max_abs_diff(resize(flat, {4, 13}, {.antialias = aa}), full({3, 4, 13}, 0.25)), 1e-6);
  }
  EXPECT_TRUE(equal(resize(img, {8, 6}, {.interpolation = Interpolation::Nearest}), img));
  // Shorter edge: 8x6 -> {3} gives 4x3; max_size caps the longer edge.
  EXPECT_EQ(resize(img, {3}).shape(), (Shape{3, 4, 3}));
  EXPECT_EQ(resize(img, {6}, {.max_size = 7}).shape(), (Shape{3, 7, 5}));
  // A batch of images resizes like each image alone.
  const Tensor batch = random_f32(2, 9, 9).reshape({2, 1, 9, 9});
  EXPECT_TRUE(equal(resize(batch, {4, 5}).select(0, 1), resize(batch.select(0, 1), {4, 5})));
}

TEST(ImageFunctional, RotateByZeroAndByNinetyDegrees) {
  const Tensor img = random_f32(2, 6, 6);
  EXPECT_LT(max_abs_diff(rotate(img, 0.0), img), 1e-6);
  EXPECT_LT(max_abs_diff(rotate(img, 0.0, {.interpolation = Interpolation::Bilinear}), img), 1e-5);
  // Counter-clockwise by 90: out[y][x] = in[x][W - 1 - y].
  const Tensor r = rotate(img, 90.0);
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 6; ++x) EXPECT_EQ(r.at({1, y, x}), img.at({1, x, 5 - y})) << y << "," << x;
  // Four quarter turns give the image back.
  Tensor t = img;
  for (int i = 0; i < 4; ++i) t = rotate(t, 90.0);
  EXPECT_LT(max_abs_diff(t, img), 1e-6);
}

TEST(ImageFunctional, RotationFillsCornersAndAffineTranslates) {
  const Tensor img = full({3, 10, 10}, 0.5);
  const Tensor r = rotate(img, 45.0, {.fill = {0.1, 0.2, 0.3}});
  EXPECT_FLOAT_EQ(static_cast<float>(r.at({0, 0, 0})), 0.1f);
  EXPECT_FLOAT_EQ(static_cast<float>(r.at({2, 9, 9})), 0.3f);
  EXPECT_FLOAT_EQ(static_cast<float>(r.at({1, 5, 5})), 0.5f);
  // Translation by whole pixels moves the image; identity parameters change nothing.
  const Tensor x = random_f32(1, 6, 7);
  const Tensor moved = affine(x, 0.0, {2, 1}, 1.0, {0.0, 0.0});
  EXPECT_EQ(moved.at({0, 3, 4}), x.at({0, 2, 2}));
  EXPECT_EQ(moved.at({0, 0, 0}), 0.0);
  EXPECT_LT(max_abs_diff(affine(x, 0.0, {0, 0}, 1.0, {0.0, 0.0}), x), 1e-6);
  // The inverse matrix of a pure scale by 2 halves coordinates.
  const auto m = inverse_affine_matrix({0, 0}, 0.0, {0, 0}, 2.0, {0, 0});
  EXPECT_DOUBLE_EQ(m[0], 0.5);
  EXPECT_DOUBLE_EQ(m[4], 0.5);
}

TEST(ImageFunctional, ColourAdjustmentsAtNeutralFactorsAreIdentities) {
  const Tensor img = random_f32(3, 4, 5);
  EXPECT_TRUE(allclose(adjust_brightness(img, 1.0), img));
  EXPECT_TRUE(allclose(adjust_contrast(img, 1.0), img, 1e-5, 1e-6));
  EXPECT_TRUE(allclose(adjust_saturation(img, 1.0), img, 1e-5, 1e-6));
  EXPECT_LT(max_abs_diff(adjust_hue(img, 0.0), img), 1e-5);
  const Tensor u8 = random_u8(3, 4, 5);
  EXPECT_TRUE(equal(adjust_brightness(u8, 1.0), u8));
  // Saturation 0 and contrast 0 give grey / flat images.
  const Tensor grey = adjust_saturation(img, 0.0);
  EXPECT_LT(max_abs_diff(grey.select(0, 0), grey.select(0, 2)), 1e-6);
  const Tensor flat = adjust_contrast(img, 0.0);
  EXPECT_LT((flat - flat.mean()).abs().max().item(), 1e-6);
  EXPECT_EQ(adjust_brightness(img, 0.0).abs().sum().item(), 0.0);
  // Brightness clamps at the top of the range.
  EXPECT_EQ(adjust_brightness(full({1, 2, 2}, 200, {.dtype = kUInt8}), 2.0).max().item(), 255.0);
  // One-channel images: hue and saturation do nothing.
  const Tensor one = random_f32(1, 3, 3);
  EXPECT_TRUE(equal(adjust_hue(one, 0.3), one));
  EXPECT_TRUE(equal(adjust_saturation(one, 0.3), one));
}

TEST(ImageFunctional, HueShiftRotatesPrimaries) {
  // Pure red shifted by a third of a turn is pure green.
  const Tensor red = from_vector<float>({1, 0, 0}, Shape{3, 1, 1});
  EXPECT_LT(max_abs_diff(adjust_hue(red, 1.0 / 3.0), from_vector<float>({0, 1, 0}, Shape{3, 1, 1})), 1e-5);
  EXPECT_LT(max_abs_diff(adjust_hue(red, -1.0 / 3.0), from_vector<float>({0, 0, 1}, Shape{3, 1, 1})), 1e-5);
}

TEST(ImageFunctional, GrayscaleWeightsAndChannels) {
  const Tensor px = from_vector<float>({1, 0, 0}, Shape{3, 1, 1});
  EXPECT_NEAR(rgb_to_grayscale(px).item(), 0.2989, 1e-6);
  EXPECT_EQ(rgb_to_grayscale(px, 3).shape(), (Shape{3, 1, 1}));
  EXPECT_EQ(rgb_to_grayscale(from_vector<float>({0.5f}, Shape{1, 1, 1}), 3).to_vector<float>(),
            (std::vector<float>{0.5f, 0.5f, 0.5f}));
}

TEST(ImageFunctional, BlurKeepsConstantsAndSmooths) {
  const Tensor flat = full({2, 6, 7}, 0.75);
  EXPECT_LT(max_abs_diff(gaussian_blur(flat, {5, 3}, {1.5, 0.7}), flat), 1e-6);
  const Tensor img = random_f32(1, 8, 8);
  const Tensor b = gaussian_blur(img, {5, 5}, {2.0, 2.0});
  // Blurring lowers the spread of values.
  EXPECT_LT((b - b.mean()).abs().mean().item(), (img - img.mean()).abs().mean().item());
}

TEST(ImageFunctional, EraseAndNormalize) {
  const Tensor img = random_f32(3, 5, 5);
  const Tensor e = erase(img, 1, 2, 2, 3, std::vector<double>{0.5});
  EXPECT_EQ(e.at({2, 2, 4}), 0.5);
  EXPECT_EQ(e.at({2, 0, 0}), img.at({2, 0, 0}));
  const Tensor v = full({3, 2, 3}, -1.0);
  EXPECT_EQ(erase(img, 1, 2, 2, 3, v).at({0, 1, 2}), -1.0);
  const Tensor n = normalize(img, {0.5}, {0.25});
  EXPECT_NEAR(n.at({1, 2, 3}), (img.at({1, 2, 3}) - 0.5) / 0.25, 1e-6);
  // A batch [N, C, H, W] normalises per channel.
  const Tensor batch = random_f32(2, 3, 4).reshape({2, 3, 1, 4});
  EXPECT_TRUE(allclose(normalize(batch, {0.1, 0.2, 0.3}, {1, 2, 3}).select(0, 1),
                       normalize(batch.select(0, 1), {0.1, 0.2, 0.3}, {1, 2, 3})));
}

TEST(ImageFunctional, ErrorsNameTheOpAndShape) {
  const Tensor img = random_f32(3, 4, 4);
  EXPECT_ERROR_CONTAINS(hflip(zeros({5})), "hflip", "[5]");
  EXPECT_ERROR_CONTAINS(hflip(zeros({2, 2}, {.dtype = kInt64})), "hflip", "i64");
  EXPECT_ERROR_CONTAINS(hflip(Tensor()), "hflip", "undefined");
  EXPECT_ERROR_CONTAINS(crop(img, 0, 0, 0, 2), "crop", "must be positive");
  EXPECT_ERROR_CONTAINS(pad(img, {-1, 0, 0, 0}), "pad", "non-negative");
  EXPECT_ERROR_CONTAINS(pad(img, Padding::all(4), 0, PaddingMode::Reflect), "pad", "reflect", "[3, 4, 4]");
  EXPECT_ERROR_CONTAINS(pad(img, Padding::all(5), 0, PaddingMode::Symmetric), "symmetric");
  EXPECT_ERROR_CONTAINS(center_crop(img, 0, 2), "center_crop");
  EXPECT_ERROR_CONTAINS(resize(img, {1, 2, 3}), "resize", "[1, 2, 3]");
  EXPECT_ERROR_CONTAINS(resize(img, {0}), "resize", "positive");
  EXPECT_ERROR_CONTAINS(resize(img, {2, 2}, {.max_size = 5}), "max_size");
  EXPECT_ERROR_CONTAINS(resize(img, {6}, {.max_size = 5}), "max_size 5 must be larger");
  EXPECT_ERROR_CONTAINS(rotate(img, 10.0, {.fill = {1, 2}}), "rotate", "fill has 2 values", "3 channels");
  EXPECT_ERROR_CONTAINS(affine(img, 0, {0, 0}, 0.0, {0, 0}), "affine", "scale");
  EXPECT_ERROR_CONTAINS(rgb_to_grayscale(random_f32(2, 3, 3)), "rgb_to_grayscale", "1 or 3 channels",
                        "[2, 3, 3]");
  EXPECT_ERROR_CONTAINS(rgb_to_grayscale(img, 2), "num_output_channels");
  EXPECT_ERROR_CONTAINS(adjust_brightness(img, -1.0), "adjust_brightness", "non-negative");
  EXPECT_ERROR_CONTAINS(adjust_contrast(zeros({4, 4}), 1.0), "adjust_contrast", "[4, 4]");
  EXPECT_ERROR_CONTAINS(adjust_hue(img, 0.7), "adjust_hue", "[-0.5, 0.5]");
  EXPECT_ERROR_CONTAINS(gaussian_blur(img, {4, 3}, {1, 1}), "gaussian_blur", "odd");
  EXPECT_ERROR_CONTAINS(gaussian_blur(img, {3, 3}, {0, 1}), "gaussian_blur", "sigma");
  EXPECT_ERROR_CONTAINS(gaussian_blur(img, {9, 9}, {1, 1}), "gaussian_blur", "[3, 4, 4]");
  EXPECT_ERROR_CONTAINS(erase(img, 3, 3, 2, 2, std::vector<double>{0}), "erase", "not inside");
  EXPECT_ERROR_CONTAINS(erase(img, 0, 0, 2, 2, std::vector<double>{0, 1}), "erase", "2 entries");
  EXPECT_ERROR_CONTAINS(erase(img, 0, 0, 2, 2, zeros({3, 2, 3})), "erase", "[3, 2, 3]");
  EXPECT_ERROR_CONTAINS(normalize(random_u8(3, 2, 2), {0}, {1}), "normalize", "u8");
  EXPECT_ERROR_CONTAINS(normalize(img, {0, 0}, {1}), "normalize", "1 or 3 values");
  EXPECT_ERROR_CONTAINS(normalize(img, {0}, {0}), "normalize", "zero");
}

}  // namespace
}  // namespace strata::data::image
