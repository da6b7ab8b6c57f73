#include "strata/core/numel.h"

#include <gtest/gtest.h>

#include "strata/core/factory.h"
#include "test_util.h"

namespace strata {
namespace {

TEST(CheckedNumel, MultipliesTheSizes) {
  EXPECT_EQ(checked_numel(Shape{}, "t"), 1);
  EXPECT_EQ(checked_numel(Shape{2, 3, 4}, "t"), 24);
  EXPECT_EQ(checked_numel(Shape{0, int64_t{1} << 62}, "t"), 0);
  EXPECT_EQ(checked_numel(Shape{int64_t{1} << 31, int64_t{1} << 31}, "t"), int64_t{1} << 62);
}

TEST(CheckedNumel, OverflowAndNegativeSizesAreErrors) {
  // 4 x 2^31 x 2^31 = 2^64 wraps to 0 in unchecked 64-bit arithmetic.
  EXPECT_ERROR_CONTAINS(checked_numel(Shape{4, int64_t{1} << 31, int64_t{1} << 31}, "file.idx"), "file.idx",
                        "[4, 2147483648, 2147483648]", "overflows");
  EXPECT_ERROR_CONTAINS(checked_numel(Shape{3, -1}, "reader"), "reader", "negative dimension", "[3, -1]");
}

TEST(ShapeNumel, OverflowIsAnErrorAndAZeroSizeWins) {
  EXPECT_EQ((Shape{2, 3, 4}.numel()), 24);
  EXPECT_EQ((Shape{int64_t{1} << 62, 4, 0}.numel()), 0);  // overflows before the 0: still empty
  EXPECT_ERROR_CONTAINS((Shape{4, int64_t{1} << 31, int64_t{1} << 31}.numel()), "[4, 2147483648, 2147483648]",
                        "64-bit");
}

TEST(CheckedNumel, AllocationsWhoseSizeOverflowsAreErrors) {
  EXPECT_ERROR_CONTAINS(empty({int64_t{1} << 62, 4}), "empty", "overflows");
  // 2^61 elements fit, their 2^64 bytes do not.
  EXPECT_ERROR_CONTAINS(empty({int64_t{1} << 61}, {.dtype = kFloat64}), "empty", "f64", "bytes");
}

}  // namespace
}  // namespace strata
