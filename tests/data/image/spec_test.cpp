#include "strata/data/image/spec.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::random_f32;

// The outputs of two transforms on the same image and generator seed are equal.
bool same_output(const RandomTransform& a, const RandomTransform& b, const Tensor& img) {
  for (uint64_t seed = 1; seed < 6; ++seed) {
    Generator ga(seed), gb(seed);
    if (!equal(a(img, ga), b(img, gb))) return false;
  }
  return true;
}

TEST(TransformSpec, BuildsTheNamedTransformsWithTheirArguments) {
  const Tensor img = random_f32(3, 16, 16);
  EXPECT_TRUE(same_output(make_transform({.name = "random_horizontal_flip", .numbers = {{"p", {0.3}}}}),
                          RandomHorizontalFlip(0.3), img));
  EXPECT_TRUE(same_output(make_transform({.name = "RandomRotation",
                                          .numbers = {{"degrees", {10}}, {"fill", {0.5}}},
                                          .strings = {{"interpolation", "bilinear"}}}),
                          RandomRotation(10, {.interpolation = Interpolation::Bilinear, .fill = {0.5}}),
                          img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "random_crop",
                      .numbers = {{"size", {12}}, {"padding", {2, 1}}},
                      .strings = {{"padding_mode", "reflect"}}}),
      RandomCrop({12, 12}, {.padding = Padding::symmetric(2, 1), .padding_mode = PaddingMode::Reflect}),
      img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "random_affine",
                      .numbers = {{"degrees", {-5, 5}},
                                  {"translate", {0.1, 0.1}},
                                  {"scale", {0.9, 1.1}},
                                  {"shear", {4}}}}),
      RandomAffine({.degrees = {-5, 5}, .translate = {0.1, 0.1}, .scale = {0.9, 1.1}, .shear = {-4, 4}}),
      img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "random-resized-crop", .numbers = {{"size", {8, 10}}, {"scale", {0.5, 1}}}}),
      RandomResizedCrop({8, 10}, {.scale = {0.5, 1.0}}), img));
  EXPECT_TRUE(same_output(make_transform({.name = "resize", .numbers = {{"size", {7}}, {"antialias", {0}}}}),
                          Resize({7}, {.antialias = false}), img));
  EXPECT_TRUE(same_output(make_transform({.name = "center_crop", .numbers = {{"size", {5, 6}}}}),
                          CenterCrop({5, 6}), img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "color_jitter", .numbers = {{"brightness", {0.2}}, {"hue", {0.1}}}}),
      ColorJitter({.brightness = 0.2, .hue = 0.1}), img));
  EXPECT_TRUE(same_output(make_transform({.name = "grayscale", .numbers = {{"num_output_channels", {3}}}}),
                          Grayscale(3), img));
  EXPECT_TRUE(same_output(make_transform({.name = "random_grayscale"}), RandomGrayscale(0.1), img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "gaussian_blur", .numbers = {{"kernel_size", {3, 5}}, {"sigma", {0.5, 1}}}}),
      GaussianBlur({3, 5}, {0.5, 1.0}), img));
  EXPECT_TRUE(same_output(
      make_transform({.name = "random_erasing", .numbers = {{"p", {1}}}, .strings = {{"value", "random"}}}),
      RandomErasing({.p = 1.0, .random_value = true}), img));
  EXPECT_TRUE(same_output(make_transform({.name = "normalize", .numbers = {{"mean", {0.5}}, {"std", {0.2}}}}),
                          Normalize({0.5}, {0.2}), img));
  EXPECT_TRUE(same_output(make_transform({.name = "random_vertical_flip"}), RandomVerticalFlip(), img));
  const Tensor u8 = testing::random_u8(1, 2, 2);
  Generator g(1);
  EXPECT_EQ(make_transform({.name = "to_float"})(u8, g).dtype(), kFloat32);
}

TEST(TransformSpec, ColourAndBlurTakeAnApplyProbability) {
  const Tensor img = random_f32(3, 16, 16);
  const auto jitter = [](double p) {
    return make_transform({.name = "color_jitter", .numbers = {{"brightness", {0.5}}, {"p", {p}}}});
  };
  const auto blur = [](double p) {
    return make_transform({.name = "gaussian_blur", .numbers = {{"kernel_size", {3}}, {"p", {p}}}});
  };
  // p = 1 is the transform itself (same draws); p = 0 never changes the image.
  EXPECT_TRUE(same_output(jitter(1.0), ColorJitter({.brightness = 0.5}), img));
  EXPECT_TRUE(same_output(blur(1.0), GaussianBlur({3, 3}), img));
  EXPECT_TRUE(same_output(
      jitter(0.0), [](const Tensor& x, Generator&) { return x; }, img));
  EXPECT_TRUE(same_output(blur(0.8), RandomApply(GaussianBlur({3, 3}), 0.8), img));
  // p = 0.5 leaves some images as they are and changes others.
  int unchanged = 0;
  const RandomTransform half = blur(0.5);
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Generator g(seed);
    unchanged += equal(half(img, g), img) ? 1 : 0;
  }
  EXPECT_GT(unchanged, 5);
  EXPECT_LT(unchanged, 35);
  EXPECT_THROW(jitter(1.5), Error);
}

TEST(TransformSpec, PipelineComposesInOrder) {
  const Tensor img = random_f32(1, 10, 10);
  const RandomTransform p = make_pipeline({{.name = "center_crop", .numbers = {{"size", {6}}}},
                                           {.name = "random_horizontal_flip", .numbers = {{"p", {1}}}}});
  Generator g(1);
  EXPECT_TRUE(equal(p(img, g), hflip(center_crop(img, 6, 6))));
  EXPECT_EQ(transform_names().size(), 15u);
}

TEST(TransformSpec, ErrorsNameTheSpecAndTheKnownChoices) {
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_zoom", .where = "aug.yaml:4"}),
                        "unknown transform 'random_zoom'", "aug.yaml:4", "random_rotation");
  EXPECT_ERROR_CONTAINS(
      make_transform({.name = "random_rotation", .numbers = {{"degrees", {5}}, {"angle", {3}}}}),
      "random_rotation", "unknown argument(s) angle", "degrees");
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_rotation"}), "random_rotation",
                        "'degrees' is required");
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_crop", .numbers = {{"size", {1, 2, 3}}}}),
                        "random_crop", "'size' takes 1 or 2 value(s)", "[1, 2, 3]");
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_crop", .numbers = {{"size", {2.5}}}}),
                        "whole numbers");
  EXPECT_ERROR_CONTAINS(
      make_transform({.name = "resize", .numbers = {{"size", {4}}}, .strings = {{"interpolation", "cubic"}}}),
      "unknown interpolation 'cubic'", "nearest, bilinear");
  EXPECT_ERROR_CONTAINS(
      make_transform(
          {.name = "random_crop", .numbers = {{"size", {4}}}, .strings = {{"padding_mode", "wrap"}}}),
      "unknown padding_mode 'wrap'");
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_horizontal_flip", .strings = {{"p", "half"}}}),
                        "'p' must be a number");
  EXPECT_ERROR_CONTAINS(
      make_transform({.name = "random_crop", .numbers = {{"size", {4}}, {"pad_if_needed", {2}}}}),
      "true or false");
  // A transform's own check gets the spec's name and place in front.
  EXPECT_ERROR_CONTAINS(
      make_transform({.name = "random_horizontal_flip", .numbers = {{"p", {3}}}, .where = "c.yaml:9"}),
      "random_horizontal_flip (c.yaml:9): RandomHorizontalFlip", "[0, 1]");
  EXPECT_ERROR_CONTAINS(make_transform({.name = "random_erasing", .strings = {{"value", "noise"}}}),
                        "'random'");
}

}  // namespace
}  // namespace strata::data::image
