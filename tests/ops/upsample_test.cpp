// Interpolation: hand-computed values, output sizes from scale factors, channels-last and strided
// inputs against the contiguous path, threaded sizes, and error messages naming the op and shapes.
#include "strata/ops/upsample.h"

#include <gmock/gmock.h>

#include "test_util.h"

namespace strata {
namespace {

using ops::InterpolateMode;
using ops::InterpolateOptions;
using testing::error_of;
using ::testing::HasSubstr;

Tensor f64(const std::vector<double>& v, const Shape& shape) { return from_vector<double>(v, shape); }

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
}

Tensor channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

TEST(Interpolate, HandComputed) {
  const Tensor row = f64({1, 2, 3}, {1, 1, 3});
  expect_values(ops::interpolate(row, {.size = {6}}), {1, 1, 2, 2, 3, 3});
  expect_values(ops::interpolate(row, {.size = {2}}), {1, 2});  // floor(o * 3 / 2): 0, 1
  expect_values(ops::interpolate(row, {.size = {5}, .mode = InterpolateMode::Linear, .align_corners = true}),
                {1, 1.5, 2, 2.5, 3});
  // Half-pixel centres: the ends clamp to the edge values.
  expect_values(
      ops::interpolate(f64({0, 4}, {1, 1, 2}), {.scale_factor = {2.0}, .mode = InterpolateMode::Linear}),
      {0, 1, 3, 4});
  const Tensor sq = f64({1, 2, 3, 4}, {1, 1, 2, 2});
  expect_values(ops::interpolate(sq, {.size = {4, 4}, .mode = InterpolateMode::Bilinear}),
                {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
  expect_values(
      ops::interpolate(sq, {.size = {3, 3}, .mode = InterpolateMode::Bilinear, .align_corners = true}),
      {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
  expect_values(ops::interpolate(sq, {.scale_factor = {1.0, 2.0}}), {1, 1, 2, 2, 3, 3, 4, 4});
}

TEST(Interpolate, OutputSizeIsFloorOfInputTimesScale) {
  const Tensor x = zeros({1, 2, 5, 7});
  EXPECT_EQ(ops::interpolate(x, {.scale_factor = {1.7}}).shape(), Shape({1, 2, 8, 11}));
  EXPECT_EQ(ops::interpolate(x, {.scale_factor = {0.5, 2.5}}).shape(), Shape({1, 2, 2, 17}));
  EXPECT_EQ(ops::interpolate(x, {.size = {3}}).shape(), Shape({1, 2, 3, 3}));
  EXPECT_EQ(ops::interpolate(zeros({0, 2, 5}), {.size = {9}}).shape(), Shape({0, 2, 9}));
}

// Channels-last and strided views give the contiguous path's values exactly (the same products in the
// same order), in f32 and f64, at sizes that run threaded; a channels-last input stays channels-last.
TEST(Interpolate, LayoutsMatchTheContiguousPath) {
  const std::vector<InterpolateOptions> options = {
      {.scale_factor = {2.0}},
      {.size = {37, 29}},
      {.size = {64, 96}, .mode = InterpolateMode::Bilinear},
      {.scale_factor = {1.3, 0.7}, .mode = InterpolateMode::Bilinear, .align_corners = true},
  };
  for (Dtype dtype : {kFloat32, kFloat64}) {
    const Tensor x = randn({2, 16, 24, 40}, {.dtype = dtype});
    for (const auto& o : options) {
      const Tensor want = ops::interpolate(x, o);
      const Tensor cl = channels_last(x);
      const Tensor got = ops::interpolate(cl, o);
      EXPECT_TRUE(equal(got, want));
      EXPECT_EQ(got.strides()[1], 1) << "channels-last output";
      EXPECT_TRUE(equal(ops::interpolate(x.slice(3, 0, 40, 2), o),
                        ops::interpolate(x.slice(3, 0, 40, 2).contiguous(), o)));
    }
  }
  // Gradients agree too (the backward reads a channels-last gradient through a copy).
  const Tensor x = randn({2, 8, 6, 5}, {.dtype = kFloat64});
  const InterpolateOptions o{.size = {11, 13}, .mode = InterpolateMode::Bilinear};
  const Tensor a = x.detach().requires_grad_();
  const Tensor b = channels_last(x).detach().requires_grad_();
  const Tensor g = randn({2, 8, 11, 13}, {.dtype = kFloat64});
  ops::interpolate(a, o).backward(g);
  ops::interpolate(b, o).backward(g);
  EXPECT_TRUE(allclose(a.grad(), b.grad(), 1e-12, 1e-12));
}

// f32 inputs compute positions in f32 as PyTorch does; the values match an f64 run closely.
TEST(Interpolate, F32MatchesF64) {
  const Tensor x = randn({1, 3, 9, 7}, {.dtype = kFloat64});
  for (const InterpolateOptions& o :
       {InterpolateOptions{.scale_factor = {2.3, 1.9}, .mode = InterpolateMode::Bilinear},
        InterpolateOptions{.size = {4, 5}, .mode = InterpolateMode::Bilinear, .align_corners = true}}) {
    EXPECT_TRUE(
        allclose(ops::interpolate(x.to(kFloat32), o).to(kFloat64), ops::interpolate(x, o), 1e-5, 1e-5));
  }
}

TEST(Interpolate, ModeNames) {
  for (auto mode : {InterpolateMode::Nearest, InterpolateMode::Linear, InterpolateMode::Bilinear})
    EXPECT_EQ(ops::interpolate_mode_from_name(ops::interpolate_mode_name(mode)), mode);
  EXPECT_EQ(error_of([] { ops::interpolate_mode_from_name("bicubic"); }),
            "interpolate: unknown mode 'bicubic' (expected 'nearest', 'linear' or 'bilinear')");
}

TEST(Interpolate, ErrorMessagesNameOpAndShapes) {
  const Tensor x3 = zeros({1, 2, 4}), x4 = zeros({1, 2, 4, 4});
  EXPECT_EQ(error_of([] { ops::interpolate(Tensor(), {.size = {2}}); }), "interpolate: undefined input");
  EXPECT_THAT(
      error_of([&] { ops::interpolate(x3, {}); }),
      HasSubstr("interpolate: give exactly one of size and scale_factor (got size [] and scale_factor [])"));
  EXPECT_THAT(error_of([&] { ops::interpolate(x3, {.size = {4}, .scale_factor = {2.0}}); }),
              HasSubstr("interpolate: give exactly one of size and scale_factor"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(zeros({2, 4}), {.size = {8}});
              }),
              HasSubstr("interpolate: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got shape [2, 4]"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(zeros({1, 1, 2, 2, 2}), {.size = {4}});
              }),
              HasSubstr("got shape [1, 1, 2, 2, 2]"));
  EXPECT_THAT(error_of([&] { ops::interpolate(x4, {.size = {8}, .mode = InterpolateMode::Linear}); }),
              HasSubstr("interpolate: mode 'linear' needs a 3-D [N, C, L] input, got shape [1, 2, 4, 4]"));
  EXPECT_THAT(error_of([&] { ops::interpolate(x3, {.size = {8}, .mode = InterpolateMode::Bilinear}); }),
              HasSubstr("interpolate: mode 'bilinear' needs a 4-D [N, C, H, W] input, got shape [1, 2, 4]"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(x3, {.size = {8, 8}});
              }),
              HasSubstr("interpolate: input of shape [1, 2, 4] has 1 spatial dim(s), but size has 2 values"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(x4, {.scale_factor = {1.0, 2.0, 3.0}});
              }),
              HasSubstr("take one value per spatial dim (at most 2)"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(x4, {.size = {0, 3}});
              }),
              HasSubstr("interpolate: size must be positive, got [0, 3]"));
  EXPECT_THAT(error_of([&] { ops::interpolate(x4, {.scale_factor = {-2.0}}); }),
              HasSubstr("interpolate: scale_factor must be positive, got [-2]"));
  EXPECT_THAT(
      error_of([&] { ops::interpolate(x4, {.scale_factor = {0.2}}); }),
      HasSubstr("interpolate: input of shape [1, 2, 4, 4] with scale_factor [0.2] gives an empty output"));
  EXPECT_THAT(error_of([&] { ops::interpolate(x4, {.size = {8}, .align_corners = true}); }),
              HasSubstr("interpolate: align_corners can only be set with the interpolating modes"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(zeros({1, 2, 0, 3}), {.size = {4}});
              }),
              HasSubstr("interpolate: input of shape [1, 2, 0, 3] has an empty spatial dim"));
  EXPECT_THAT(error_of([&] {
                ops::interpolate(zeros({1, 2, 3}, {.dtype = kInt64}), {.size = {4}});
              }),
              HasSubstr("interpolate: expected an f32 or f64 input, got i64"));
}

}  // namespace
}  // namespace strata
