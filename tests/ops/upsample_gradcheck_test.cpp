// Gradient checks (f64) for interpolation: nearest, linear and bilinear, sizes and non-integer scale
// factors, align_corners, non-contiguous and channels-last inputs, and second order (the backward is an
// op whose backward is the forward).
#include "strata/ops/upsample.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;
using ops::InterpolateMode;
using ops::InterpolateOptions;

auto resize(InterpolateOptions o) {
  return [o](const Inputs& v) { return ops::interpolate(v[0], o); };
}

TEST(UpsampleGradcheck, Nearest1d) {
  EXPECT_GRADCHECK(resize({.size = {7}}), input({2, 3, 4}, 1));
  EXPECT_GRADCHECK(resize({.size = {8}}), input({1, 2, 4}, 2));            // exactly doubled
  EXPECT_GRADCHECK(resize({.scale_factor = {1.7}}), input({1, 2, 5}, 3));  // non-integer scale
  EXPECT_GRADCHECK(resize({.size = {3}}), input({1, 2, 7}, 4));            // downsampling
}

TEST(UpsampleGradcheck, Linear1d) {
  for (bool align : {false, true}) {
    EXPECT_GRADCHECK(resize({.size = {7}, .mode = InterpolateMode::Linear, .align_corners = align}),
                     input({2, 3, 4}, 1));
    EXPECT_GRADCHECK(resize({.scale_factor = {2.3}, .mode = InterpolateMode::Linear, .align_corners = align}),
                     input({1, 2, 5}, 2));
    EXPECT_GRADCHECK(resize({.size = {3}, .mode = InterpolateMode::Linear, .align_corners = align}),
                     input({1, 2, 8}, 3));
  }
}

TEST(UpsampleGradcheck, Nearest2d) {
  EXPECT_GRADCHECK(resize({.scale_factor = {2.0}}), input({1, 2, 3, 4}, 1));
  EXPECT_GRADCHECK(resize({.size = {5, 7}}), input({2, 2, 3, 4}, 2));
  EXPECT_GRADCHECK(resize({.scale_factor = {1.5, 0.6}}), input({1, 2, 4, 5}, 3));
}

TEST(UpsampleGradcheck, Bilinear2d) {
  for (bool align : {false, true}) {
    EXPECT_GRADCHECK(resize({.size = {5, 7}, .mode = InterpolateMode::Bilinear, .align_corners = align}),
                     input({2, 2, 3, 4}, 1));
    EXPECT_GRADCHECK(
        resize({.scale_factor = {1.7, 2.3}, .mode = InterpolateMode::Bilinear, .align_corners = align}),
        input({1, 2, 3, 3}, 2));
    EXPECT_GRADCHECK(resize({.size = {2, 3}, .mode = InterpolateMode::Bilinear, .align_corners = align}),
                     input({1, 1, 5, 7}, 3));
    EXPECT_GRADCHECK(resize({.size = {1, 1}, .mode = InterpolateMode::Bilinear, .align_corners = align}),
                     input({1, 2, 3, 2}, 4));
  }
}

// Transposed, strided and channels-last views take the strided paths of the kernels.
TEST(UpsampleGradcheck, NonContiguous) {
  EXPECT_GRADCHECK(resize({.size = {6, 5}, .mode = InterpolateMode::Bilinear}),
                   transposed_input({1, 2, 3, 4}, 1));
  EXPECT_GRADCHECK(resize({.size = {5}, .mode = InterpolateMode::Linear}), transposed_input({2, 3, 4}, 2));
  EXPECT_GRADCHECK(resize({.scale_factor = {2.0}}), strided_input({2, 2, 3, 3}, 3));
  auto channels_last = [](InterpolateOptions o) {
    return [o](const Inputs& v) { return ops::interpolate(v[0].permute({0, 3, 1, 2}), o); };
  };
  EXPECT_GRADCHECK(channels_last({.size = {5, 7}, .mode = InterpolateMode::Bilinear}),
                   input({2, 3, 4, 3}, 4));
  EXPECT_GRADCHECK(channels_last({.scale_factor = {1.5}}), input({1, 3, 4, 3}, 5));
}

TEST(UpsampleGradcheck, SecondOrder) {
  for (auto o : {InterpolateOptions{.size = {5, 7}, .mode = InterpolateMode::Bilinear},
                 InterpolateOptions{.scale_factor = {1.5}}}) {
    auto f = [o](const Inputs& v) {
      const Tensor y = ops::interpolate(v[0], o);
      return autograd::grad((y * y).sum(), {v[0]}, {}, true, true)[0];
    };
    EXPECT_GRADCHECK(f, input({1, 2, 3, 4}, 1));
  }
}

}  // namespace
}  // namespace strata
