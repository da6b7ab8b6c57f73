// Upsample: forwards to F::interpolate, prints like PyTorch, has no parameters, and rejects bad options
// when it is built.
#include "strata/nn/upsample.h"

#include <gmock/gmock.h>

#include "test_util.h"

namespace strata::nn {
namespace {

using ops::InterpolateMode;
using testing::error_of;
using ::testing::HasSubstr;

TEST(Upsample, ForwardsToInterpolate) {
  Upsample up({.scale_factor = {2.0}, .mode = InterpolateMode::Bilinear, .align_corners = true});
  EXPECT_EQ(up->type_name(), "Upsample");
  EXPECT_TRUE(up->parameters().empty());
  EXPECT_TRUE(up->state_dict().empty());
  const Tensor x = randn({2, 3, 4, 5});
  const Tensor y = up(x);
  EXPECT_EQ(y.shape(), Shape({2, 3, 8, 10}));
  EXPECT_TRUE(equal(y, ops::interpolate(x, up->options)));
  EXPECT_EQ(Upsample({.size = {7}})(randn({2, 3, 4})).shape(), Shape({2, 3, 7}));
}

TEST(Upsample, ReprLikePyTorch) {
  EXPECT_EQ(Upsample({.scale_factor = {2.0}})->extra_repr(), "scale_factor=2.0, mode='nearest'");
  EXPECT_EQ(Upsample({.scale_factor = {1.5, 2.0}, .mode = InterpolateMode::Bilinear})->extra_repr(),
            "scale_factor=(1.5, 2.0), mode='bilinear'");
  EXPECT_EQ(Upsample({.size = {4}, .mode = InterpolateMode::Linear})->extra_repr(), "size=4, mode='linear'");
  EXPECT_EQ(Upsample({.size = {4, 6}})->extra_repr(), "size=(4, 6), mode='nearest'");
}

TEST(Upsample, BadOptionsFailWhenBuilt) {
  EXPECT_THAT(error_of([] { Upsample(UpsampleOptions{}); }),
              HasSubstr("Upsample: give exactly one of size and scale_factor"));
  EXPECT_THAT(
      error_of([] { Upsample({.size = {4}, .scale_factor = {2.0}}); }),
      HasSubstr("Upsample: give exactly one of size and scale_factor (got size [4] and scale_factor [2])"));
  EXPECT_THAT(error_of([] { Upsample({.scale_factor = {2.0}, .align_corners = false}); }),
              HasSubstr("Upsample: align_corners can only be set with the interpolating modes"));
  EXPECT_THAT(error_of([] { Upsample({.size = {0}}); }),
              HasSubstr("Upsample: size must be positive, got [0]"));
  // Rank and mode are checked against the input.
  EXPECT_THAT(error_of([] {
                Upsample({.size = {4}, .mode = InterpolateMode::Bilinear})(zeros({1, 2, 3}));
              }),
              HasSubstr("interpolate: mode 'bilinear' needs a 4-D [N, C, H, W] input, got shape [1, 2, 3]"));
}

}  // namespace
}  // namespace strata::nn
