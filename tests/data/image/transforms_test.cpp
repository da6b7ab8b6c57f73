// The random transforms: determinism for a generator state, the ranges their parameters are drawn from, and
// hand-checked invariants of their outputs.
#include "strata/data/image/transforms.h"

#include <gtest/gtest.h>

#include <set>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::max_abs_diff;
using testing::random_f32;
using testing::random_u8;

// Runs t on img with a generator seeded `seed`.
Tensor run(const RandomTransform& t, const Tensor& img, uint64_t seed) {
  Generator g(seed);
  return t(img, g);
}

TEST(ImageTransforms, SameGeneratorStateGivesTheSameOutput) {
  const Tensor img = random_f32(3, 12, 12);
  const RandomTransform pipeline =
      Compose({RandomResizedCrop({8, 8}), RandomHorizontalFlip(), RandomRotation(20),
               ColorJitter({.brightness = 0.3, .contrast = 0.3, .saturation = 0.3, .hue = 0.1}),
               RandomErasing({.p = 1.0})});
  EXPECT_TRUE(equal(run(pipeline, img, 7), run(pipeline, img, 7)));
  // Different seeds give different outputs.
  int distinct = 0;
  for (uint64_t s = 1; s < 6; ++s) distinct += equal(run(pipeline, img, s), run(pipeline, img, 7)) ? 0 : 1;
  EXPECT_EQ(distinct, 5);
}

TEST(ImageTransforms, FlipsFollowTheirProbability) {
  const Tensor img = random_f32(1, 3, 4);
  EXPECT_TRUE(equal(run(RandomHorizontalFlip(0.0), img, 1), img));
  EXPECT_TRUE(equal(run(RandomHorizontalFlip(1.0), img, 1), hflip(img)));
  EXPECT_TRUE(equal(run(RandomVerticalFlip(1.0), img, 1), vflip(img)));
  Generator g(3);
  const RandomHorizontalFlip flip(0.3);
  int flipped = 0;
  for (int i = 0; i < 2000; ++i) flipped += equal(flip(img, g), img) ? 0 : 1;
  EXPECT_NEAR(flipped / 2000.0, 0.3, 0.04);
}

TEST(ImageTransforms, RotationAnglesStayInRange) {
  const RandomRotation r(15.0);
  const RandomRotation shifted({10.0, 20.0});
  Generator g(1);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 1000; ++i) {
    const double a = r.sample_angle(g);
    lo = std::min(lo, a);
    hi = std::max(hi, a);
    const double b = shifted.sample_angle(g);
    EXPECT_GE(b, 10.0);
    EXPECT_LT(b, 20.0);
  }
  EXPECT_GE(lo, -15.0);
  EXPECT_LT(hi, 15.0);
  EXPECT_LT(lo, -13.0);  // the range is covered
  EXPECT_GT(hi, 13.0);
  // The output is the functional rotation by the drawn angle.
  const Tensor img = random_f32(3, 9, 9);
  Generator a(5), b(5);
  const WarpOptions o{.interpolation = Interpolation::Bilinear, .fill = {0.5}};
  EXPECT_TRUE(equal(RandomRotation(30, o)(img, a), rotate(img, RandomRotation(30, o).sample_angle(b), o)));
}

TEST(ImageTransforms, AffineParametersStayInRange) {
  const RandomAffine t(
      {.degrees = {-10, 10}, .translate = {0.2, 0.1}, .scale = {0.8, 1.2}, .shear = {-5, 5, 0, 3}});
  Generator g(2);
  std::set<double> tx;
  for (int i = 0; i < 500; ++i) {
    const auto p = t.sample(20, 30, g);
    EXPECT_GE(p.angle, -10.0);
    EXPECT_LT(p.angle, 10.0);
    EXPECT_LE(std::abs(p.translate[0]), 4.0);  // 0.2 * width 20
    EXPECT_LE(std::abs(p.translate[1]), 3.0);  // 0.1 * height 30
    EXPECT_EQ(p.translate[0], std::round(p.translate[0]));
    EXPECT_GE(p.scale, 0.8);
    EXPECT_LT(p.scale, 1.2);
    EXPECT_GE(p.shear[0], -5.0);
    EXPECT_LT(p.shear[0], 5.0);
    EXPECT_GE(p.shear[1], 0.0);
    EXPECT_LT(p.shear[1], 3.0);
    tx.insert(p.translate[0]);
  }
  EXPECT_EQ(tx.size(), 9u);  // -4 .. 4
  const Tensor img = random_f32(3, 30, 20);
  EXPECT_EQ(run(t, img, 1).shape(), img.shape());
  // All-zero ranges are the identity.
  EXPECT_LT(max_abs_diff(run(RandomAffine({}), img, 1), img), 1e-6);
}

TEST(ImageTransforms, RandomCropIsAWindowOfThePaddedImage) {
  const Tensor img = random_f32(2, 6, 6);
  const RandomCrop t({6, 6}, {.padding = Padding::all(2)});
  const Tensor padded = pad(img, Padding::all(2));
  std::set<std::pair<int64_t, int64_t>> offsets;
  Generator g(4);
  for (int i = 0; i < 300; ++i) {
    const Tensor out = t(img, g);
    ASSERT_EQ(out.shape(), img.shape());
    bool found = false;
    for (int64_t y = 0; y <= 4 && !found; ++y)
      for (int64_t x = 0; x <= 4 && !found; ++x)
        if (equal(out, crop(padded, y, x, 6, 6))) {
          offsets.insert({y, x});
          found = true;
        }
    EXPECT_TRUE(found);
  }
  EXPECT_EQ(offsets.size(), 25u);  // every offset appears
  // pad_if_needed grows a small image to the crop size.
  EXPECT_EQ(run(RandomCrop({8, 9}, {.pad_if_needed = true}), random_f32(1, 5, 5), 1).shape(),
            (Shape{1, 8, 9}));
  EXPECT_ERROR_CONTAINS(run(RandomCrop({8, 8}), random_f32(1, 5, 5), 1), "RandomCrop",
                        "larger than the image", "[1, 5, 5]");
}

TEST(ImageTransforms, RandomResizedCropDrawsAreaAndRatioInRange) {
  const RandomResizedCrop t({7, 5}, {.scale = {0.2, 0.6}, .ratio = {0.5, 2.0}});
  Generator g(9);
  for (int i = 0; i < 500; ++i) {
    const auto [top, left, h, w] = t.sample(40, 50, g);
    EXPECT_GE(top, 0);
    EXPECT_GE(left, 0);
    EXPECT_LE(top + h, 40);
    EXPECT_LE(left + w, 50);
    // Rounding to whole pixels moves area and ratio slightly outside the drawn values.
    const double area = static_cast<double>(h * w) / 2000.0,
                 ratio = static_cast<double>(w) / static_cast<double>(h);
    EXPECT_GE(area, 0.2 * 0.85);
    EXPECT_LE(area, 0.6 * 1.15);
    EXPECT_GE(ratio, 0.5 * 0.85);
    EXPECT_LE(ratio, 2.0 * 1.15);
  }
  EXPECT_EQ(run(t, random_f32(3, 40, 50), 1).shape(), (Shape{3, 7, 5}));
  // An impossible request falls back to the central crop with the ratio clamped.
  const RandomResizedCrop wide({4, 4}, {.scale = {1.0, 1.0}, .ratio = {3.0, 3.0}});
  const auto c = wide.sample(10, 10, g);
  EXPECT_EQ(c, (std::array<int64_t, 4>{3, 0, 3, 10}));
}

TEST(ImageTransforms, DeterministicTransformsMatchTheFunctions) {
  const Tensor img = random_f32(3, 10, 12);
  EXPECT_TRUE(equal(Resize({5})(img), resize(img, {5})));
  EXPECT_TRUE(equal(run(Resize({4, 4}, {.interpolation = Interpolation::Nearest}), img, 1),
                    resize(img, {4, 4}, {.interpolation = Interpolation::Nearest})));
  EXPECT_TRUE(equal(CenterCrop({4, 6})(img), center_crop(img, 4, 6)));
  EXPECT_TRUE(equal(Grayscale(3)(img), rgb_to_grayscale(img, 3)));
  EXPECT_TRUE(equal(Normalize({0.5}, {0.5})(img), normalize(img, {0.5}, {0.5})));
  EXPECT_TRUE(equal(run(RandomGrayscale(1.0), img, 1), rgb_to_grayscale(img, 3)));
  EXPECT_TRUE(equal(run(RandomGrayscale(0.0), img, 1), img));
  // Usable as plain transforms::Transform too.
  const transforms::Transform plain = Resize({5, 5});
  EXPECT_EQ(plain(img).shape(), (Shape{3, 5, 5}));
}

TEST(ImageTransforms, ColorJitterFactorsStayInRange) {
  // Brightness alone scales every pixel by one factor in [0.5, 1.5].
  const Tensor img = full({3, 4, 4}, 0.4);
  Generator g(11);
  const ColorJitter b({.brightness = 0.5});
  for (int i = 0; i < 200; ++i) {
    const double f = b(img, g).at({0, 0, 0}) / 0.4;
    EXPECT_GE(f, 0.5 - 1e-6);
    EXPECT_LE(f, 1.5 + 1e-6);
  }
  // Hue alone keeps each pixel's brightest channel (V in HSV).
  const Tensor colour = random_f32(3, 5, 5);
  const Tensor shifted = run(ColorJitter({.hue = 0.4}), colour, 3);
  for (int64_t y = 0; y < 5; ++y) {
    const double before = std::max({colour.at({0, y, 1}), colour.at({1, y, 1}), colour.at({2, y, 1})});
    const double after = std::max({shifted.at({0, y, 1}), shifted.at({1, y, 1}), shifted.at({2, y, 1})});
    EXPECT_NEAR(before, after, 1e-5);
  }
  // All parts off: the image comes back unchanged.
  EXPECT_TRUE(equal(run(ColorJitter({}), colour, 1), colour));
  // u8 images stay u8.
  EXPECT_EQ(run(ColorJitter({.brightness = 0.2, .contrast = 0.2, .saturation = 0.2, .hue = 0.2}),
                random_u8(3, 4, 4), 2)
                .dtype(),
            kUInt8);
}

TEST(ImageTransforms, GaussianBlurDrawsSigmaInRange) {
  const Tensor img = random_f32(1, 9, 9);
  // Each output equals the functional blur with some sigma in the range: find it on a fine grid.
  const Tensor out = run(GaussianBlur({5, 5}, {0.5, 1.5}), img, 6);
  double best = 1e9;
  for (double s = 0.5; s <= 1.5; s += 0.001)
    best = std::min(best, max_abs_diff(out, gaussian_blur(img, {5, 5}, {s, s})));
  EXPECT_LT(best, 1e-3);
}

TEST(ImageTransforms, RandomErasingErasesABoxOfTheDrawnSize) {
  const Tensor img = full({3, 20, 20}, 0.5);
  Generator g(8);
  const RandomErasing t({.p = 1.0, .scale = {0.05, 0.2}, .ratio = {0.5, 2.0}, .value = {0.0}});
  for (int i = 0; i < 100; ++i) {
    const Tensor out = t(img, g);
    const int64_t zeros_count = static_cast<int64_t>(std::round((0.5 - out.select(0, 1)).sum().item() / 0.5));
    EXPECT_GE(zeros_count, static_cast<int64_t>(0.05 * 400 * 0.7));
    EXPECT_LE(zeros_count, static_cast<int64_t>(0.2 * 400 * 1.3));
  }
  EXPECT_TRUE(equal(run(RandomErasing({.p = 0.0}), img, 1), img));
  const Tensor noisy = run(RandomErasing({.p = 1.0, .random_value = true}), img, 3);
  EXPECT_GT((noisy - img).abs().max().item(), 0.0);
  EXPECT_ERROR_CONTAINS(run(RandomErasing({.p = 1.0, .value = {1, 2}}), img, 1), "RandomErasing",
                        "2 entries");
  EXPECT_ERROR_CONTAINS(run(RandomErasing({.p = 1.0, .random_value = true}), random_u8(3, 4, 4), 1),
                        "RandomErasing", "floating");
}

TEST(ImageTransforms, ComposeLiftAndRandomApply) {
  const Tensor img = random_f32(1, 4, 4);
  const Compose both({RandomHorizontalFlip(1.0), lift(transforms::normalize({0.5}, {2.0}))});
  EXPECT_TRUE(allclose(run(both, img, 1), (hflip(img) - 0.5) / 2.0));
  EXPECT_EQ(both.transforms().size(), 2u);
  EXPECT_TRUE(equal(run(RandomApply(RandomHorizontalFlip(1.0), 0.0), img, 1), img));
  EXPECT_TRUE(equal(run(RandomApply(RandomHorizontalFlip(1.0), 1.0), img, 1), hflip(img)));
}

TEST(ImageTransforms, ConstructorsRejectBadArguments) {
  EXPECT_ERROR_CONTAINS(RandomHorizontalFlip(1.5), "RandomHorizontalFlip", "[0, 1]");
  EXPECT_ERROR_CONTAINS(RandomVerticalFlip(-0.1), "RandomVerticalFlip");
  EXPECT_ERROR_CONTAINS(RandomRotation(-3.0), "RandomRotation", "non-negative");
  EXPECT_ERROR_CONTAINS(RandomRotation(std::array<double, 2>{5, 1}), "RandomRotation", "min <= max");
  EXPECT_ERROR_CONTAINS(RandomAffine({.translate = {1.5, 0}}), "RandomAffine", "translate");
  EXPECT_ERROR_CONTAINS(RandomAffine({.scale = {0, 1}}), "RandomAffine", "scale");
  EXPECT_ERROR_CONTAINS(RandomAffine({.shear = {1, 2, 3}}), "RandomAffine", "shear", "[1, 2, 3]");
  EXPECT_ERROR_CONTAINS(RandomCrop({0, 3}), "RandomCrop", "positive");
  EXPECT_ERROR_CONTAINS(RandomResizedCrop({3, 3}, {.scale = {0.5, 0.1}}), "RandomResizedCrop", "scale");
  EXPECT_ERROR_CONTAINS(Resize({1, 2, 3}), "Resize", "[1, 2, 3]");
  EXPECT_ERROR_CONTAINS(CenterCrop({2, 0}), "CenterCrop");
  EXPECT_ERROR_CONTAINS(ColorJitter({.hue = 0.7}), "ColorJitter", "hue");
  EXPECT_ERROR_CONTAINS(ColorJitter({.brightness = -1}), "ColorJitter", "brightness");
  EXPECT_ERROR_CONTAINS(Grayscale(2), "Grayscale", "1 or 3");
  EXPECT_ERROR_CONTAINS(GaussianBlur({2, 3}), "GaussianBlur", "odd");
  EXPECT_ERROR_CONTAINS(GaussianBlur({3, 3}, {0.0, 1.0}), "GaussianBlur", "sigma");
  EXPECT_ERROR_CONTAINS(RandomErasing({.scale = {0.5, 2.0}}), "RandomErasing", "scale");
  EXPECT_ERROR_CONTAINS(Normalize({0.5}, {0.0}), "Normalize", "zero");
  EXPECT_ERROR_CONTAINS(Compose({RandomTransform()}), "Compose", "transform 0 of 1 is empty");
  EXPECT_ERROR_CONTAINS(lift(transforms::Transform()), "lift", "empty");
  EXPECT_ERROR_CONTAINS(RandomApply(RandomHorizontalFlip(), 2.0), "RandomApply");
}

}  // namespace
}  // namespace strata::data::image
