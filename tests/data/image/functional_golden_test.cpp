// The deterministic image operations against torchvision 0.14 (tests/fixtures/image_functional.safetensors,
// written by scripts/gen_fixtures_image.py): each case runs the same call on the stored input image.
// Tolerances: f32 results within 2e-6 (f32 rounding of the sampling grid and filter sums), f64 within 1e-12,
// u8 results exact.
#include <gtest/gtest.h>

#include <functional>

#include "golden_util.h"
#include "strata/data/image/functional.h"

namespace strata::data::image {
namespace {

constexpr const char* kFile = "image_functional.safetensors";

struct ImageCase {
  std::string name;
  std::function<Tensor(const Tensor&)> fn;
};

void PrintTo(const ImageCase& c, std::ostream* os) { *os << c.name; }

const ResizeOptions kNoAA{.interpolation = Interpolation::Bilinear, .antialias = false};
const ResizeOptions kAA{.interpolation = Interpolation::Bilinear, .antialias = true};
const ResizeOptions kNearest{.interpolation = Interpolation::Nearest};
const WarpOptions kNearestFill0{.interpolation = Interpolation::Nearest, .fill = {0.0}};
const WarpOptions kBilinearFill0{.interpolation = Interpolation::Bilinear, .fill = {0.0}};

std::vector<ImageCase> cases() {
  return {
      {"hflip", [](const Tensor& x) { return hflip(x); }},
      {"vflip_u8", [](const Tensor& x) { return vflip(x); }},
      {"crop_outside", [](const Tensor& x) { return crop(x, -2, 3, 6, 10); }},
      {"center_crop_smaller", [](const Tensor& x) { return center_crop(x, 4, 6); }},
      {"center_crop_larger", [](const Tensor& x) { return center_crop(x, 12, 14); }},
      {"pad_constant",
       [](const Tensor& x) {
         return pad(x, {1, 2, 3, 1}, 0.5);
       }},
      {"pad_edge",
       [](const Tensor& x) {
         return pad(x, {1, 2, 3, 1}, 0.0, PaddingMode::Edge);
       }},
      {"pad_reflect",
       [](const Tensor& x) {
         return pad(x, {1, 2, 3, 1}, 0.0, PaddingMode::Reflect);
       }},
      {"pad_symmetric_u8",
       [](const Tensor& x) {
         return pad(x, {1, 2, 3, 1}, 0.0, PaddingMode::Symmetric);
       }},
      {"resize_bilinear_down",
       [](const Tensor& x) {
         return resize(x, {5, 7}, kNoAA);
       }},
      {"resize_bilinear_up",
       [](const Tensor& x) {
         return resize(x, {13, 17}, kNoAA);
       }},
      {"resize_aa_down",
       [](const Tensor& x) {
         return resize(x, {4, 6}, kAA);
       }},
      {"resize_aa_up",
       [](const Tensor& x) {
         return resize(x, {14, 15}, kAA);
       }},
      {"resize_aa_u8",
       [](const Tensor& x) {
         return resize(x, {5, 4}, kAA);
       }},
      {"resize_nearest_down",
       [](const Tensor& x) {
         return resize(x, {5, 7}, kNearest);
       }},
      {"resize_nearest_double",
       [](const Tensor& x) {
         return resize(x, {18, 22}, kNearest);
       }},
      {"resize_shorter_edge", [](const Tensor& x) { return resize(x, {6}, kAA); }},
      {"resize_max_size",
       [](const Tensor& x) {
         return resize(x, {6}, {.interpolation = Interpolation::Bilinear, .max_size = 7});
       }},
      {"resize_f64",
       [](const Tensor& x) {
         return resize(x, {6, 8}, kAA);
       }},
      {"rotate_nearest", [](const Tensor& x) { return rotate(x, 30.0, kNearestFill0); }},
      {"rotate_bilinear_fill",
       [](const Tensor& x) {
         return rotate(x, -23.5, {.interpolation = Interpolation::Bilinear, .fill = {0.2, 0.4, 0.6}});
       }},
      {"rotate_90", [](const Tensor& x) { return rotate(x, 90.0, kBilinearFill0); }},
      {"rotate_center",
       [](const Tensor& x) {
         return rotate(
             x, 45.0,
             {.interpolation = Interpolation::Bilinear, .fill = {1.0}, .center = std::array{2.0, 3.0}});
       }},
      {"rotate_u8", [](const Tensor& x) { return rotate(x, 12.0, kBilinearFill0); }},
      {"affine_bilinear",
       [](const Tensor& x) {
         return affine(x, 15.0, {2, -1}, 1.2, {10.0, 5.0}, kBilinearFill0);
       }},
      {"affine_nearest",
       [](const Tensor& x) {
         return affine(x, -40.0, {-1, 2}, 0.8, {0.0, -12.0},
                       {.interpolation = Interpolation::Nearest, .fill = {0.5}});
       }},
      {"affine_u8",
       [](const Tensor& x) {
         return affine(x, 7.0, {1, 1}, 1.1, {3.0, 0.0}, kBilinearFill0);
       }},
      {"grayscale", [](const Tensor& x) { return rgb_to_grayscale(x, 1); }},
      {"grayscale3_u8", [](const Tensor& x) { return rgb_to_grayscale(x, 3); }},
      {"brightness", [](const Tensor& x) { return adjust_brightness(x, 1.3); }},
      {"brightness_u8", [](const Tensor& x) { return adjust_brightness(x, 0.7); }},
      {"contrast", [](const Tensor& x) { return adjust_contrast(x, 0.6); }},
      {"contrast_u8", [](const Tensor& x) { return adjust_contrast(x, 1.4); }},
      {"contrast_grey", [](const Tensor& x) { return adjust_contrast(x, 1.8); }},
      {"saturation", [](const Tensor& x) { return adjust_saturation(x, 1.7); }},
      {"saturation_u8", [](const Tensor& x) { return adjust_saturation(x, 0.3); }},
      {"hue", [](const Tensor& x) { return adjust_hue(x, 0.2); }},
      {"hue_negative", [](const Tensor& x) { return adjust_hue(x, -0.45); }},
      {"hue_f64", [](const Tensor& x) { return adjust_hue(x, 0.1); }},
      {"hue_u8", [](const Tensor& x) { return adjust_hue(x, -0.35); }},
      {"blur",
       [](const Tensor& x) {
         return gaussian_blur(x, {3, 5}, {0.8, 1.3});
       }},
      {"blur_u8",
       [](const Tensor& x) {
         return gaussian_blur(x, {5, 5}, {1.1, 1.1});
       }},
      {"erase",
       [](const Tensor& x) {
         return erase(x, 2, 3, 4, 5, std::vector<double>{0.1, 0.2, 0.3});
       }},
      {"normalize",
       [](const Tensor& x) {
         return normalize(x, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225});
       }},
  };
}

TEST(ImageFunctionalGolden, CoversEveryFixtureCase) {
  std::set<std::string> listed;
  for (const ImageCase& c : cases()) EXPECT_TRUE(listed.insert(c.name).second) << c.name << " listed twice";
  EXPECT_EQ(listed, golden::fixture_cases(kFile));
}

class ImageFunctionalGoldenCase : public ::testing::TestWithParam<ImageCase> {};

TEST_P(ImageFunctionalGoldenCase, MatchesTorchvision) {
  const auto& tensors = golden::fixture(kFile);
  const ImageCase& c = GetParam();
  const Tensor img = tensors.at(c.name + ".img");
  const Tensor want = tensors.at(c.name + ".out");
  const Tensor before = img.clone();
  const Tensor got = c.fn(img);
  ASSERT_EQ(got.dtype(), want.dtype()) << c.name;
  ASSERT_EQ(got.shape(), want.shape()) << c.name;
  const double tol = want.dtype() == kFloat32 ? 2e-6 : want.dtype() == kFloat64 ? 1e-12 : 0.0;
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  int64_t bad = 0;
  double worst = 0.0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double d = std::abs(g[i] - w[i]);
    worst = std::max(worst, d);
    if (d > tol && bad++ < 5)
      ADD_FAILURE() << c.name << ": element " << i << " strata " << g[i] << " torchvision " << w[i];
  }
  EXPECT_EQ(bad, 0) << c.name << ": " << bad << " of " << g.size() << " elements differ, largest " << worst;
  // The input must be left untouched.
  EXPECT_TRUE(equal(img, before));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ImageFunctionalGoldenCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<ImageCase>& info) { return info.param.name; });

}  // namespace
}  // namespace strata::data::image
