// Pooling layers: no parameters, output shapes, repr, and errors naming the layer and shapes.
#include "strata/nn/pooling.h"

#include <gmock/gmock.h>

#include "test_util.h"

namespace strata::nn {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PoolingLayers, ShapesAndNoParameters) {
  MaxPool2d max(2);
  EXPECT_EQ(max->type_name(), "MaxPool2d");
  EXPECT_TRUE(max->parameters().empty());
  EXPECT_TRUE(max->state_dict().empty());
  EXPECT_EQ(max(randn({2, 6, 28, 28})).shape(), Shape({2, 6, 14, 14}));
  EXPECT_EQ(MaxPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true})(randn({1, 2, 8, 8})).shape(),
            Shape({1, 2, 5, 5}));
  AvgPool2d avg({2, 3}, {.stride = {2, 1}});
  EXPECT_EQ(avg(randn({1, 3, 6, 6})).shape(), Shape({1, 3, 3, 4}));
  AdaptiveAvgPool2d global(1);
  EXPECT_EQ(global(randn({4, 5, 7, 3})).shape(), Shape({4, 5, 1, 1}));
  EXPECT_EQ(AdaptiveAvgPool2d(Size2{2, 3})(randn({1, 1, 5, 5})).shape(), Shape({1, 1, 2, 3}));
}

TEST(PoolingLayers, MatchFunctionalForms) {
  const Tensor x = randn({2, 3, 7, 6});
  EXPECT_TRUE(equal(MaxPool2d(3, {.stride = 2, .padding = 1})(x), ops::max_pool2d(x, 3, 2, 1)));
  EXPECT_TRUE(
      equal(AvgPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false})(x),
            ops::avg_pool2d(x, 3, 2, 1, true, false)));
  EXPECT_TRUE(equal(AdaptiveAvgPool2d(Size2{3, 2})(x), ops::adaptive_avg_pool2d(x, {3, 2})));
}

TEST(PoolingLayers, Repr) {
  EXPECT_EQ(MaxPool2d(2)->extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false");
  EXPECT_EQ(AvgPool2d({3, 2}, {.stride = 1, .padding = 1})->extra_repr(),
            "kernel_size=(3, 2), stride=1, padding=1, ceil_mode=false, count_include_pad=true");
  EXPECT_EQ(AdaptiveAvgPool2d(Size2{7, 7})->extra_repr(), "output_size=7");
}

TEST(PoolingLayers, Errors) {
  EXPECT_THAT(error_of([] {
                MaxPool2d(2)(zeros({4, 4}));
              }),
              HasSubstr("MaxPool2d: expected input of shape [N, C, H, W], got [4, 4]"));
  EXPECT_THAT(error_of([] {
                AvgPool2d(2)(zeros({3, 4, 4}));
              }),
              HasSubstr("AvgPool2d: expected input of shape [N, C, H, W], got [3, 4, 4]"));
  EXPECT_THAT(error_of([] {
                AdaptiveAvgPool2d(2)(zeros({1, 2, 3, 4, 5}));
              }),
              HasSubstr("AdaptiveAvgPool2d: expected input of shape [N, C, H, W], got [1, 2, 3, 4, 5]"));
  EXPECT_THAT(error_of([] { MaxPool2d(3, {.padding = 2}); }),
              HasSubstr("MaxPool2d: padding 2 should be non-negative and at most half of kernel_size 3"));
  EXPECT_THAT(error_of([] {
                AvgPool2d(Size2{0, 3});
              }),
              HasSubstr("AvgPool2d: kernel_size must be positive, got (0, 3)"));
  EXPECT_THAT(error_of([] {
                AdaptiveAvgPool2d(Size2{0, 2});
              }),
              HasSubstr("AdaptiveAvgPool2d: output_size must be positive, got (0, 2)"));
  EXPECT_THAT(error_of([] {
                MaxPool2d(3)(zeros({1, 1, 2, 2}));
              }),
              HasSubstr("max_pool2d: input of shape [1, 1, 2, 2] is too small"));
}

TEST(PoolingLayers, Pool1d) {
  MaxPool1d max(2);
  EXPECT_EQ(max->type_name(), "MaxPool1d");
  EXPECT_TRUE(max->parameters().empty());
  EXPECT_EQ(max(randn({2, 6, 28})).shape(), Shape({2, 6, 14}));
  EXPECT_EQ(max(randn({6, 28})).shape(), Shape({6, 14}));
  AvgPool1d avg(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false});
  EXPECT_EQ(avg->type_name(), "AvgPool1d");
  const Tensor x = randn({2, 3, 10});
  EXPECT_TRUE(equal(avg(x), ops::avg_pool1d(x, 3, 2, 1, true, false)));
  EXPECT_TRUE(equal(MaxPool1d(3, {.stride = 1, .padding = 1})(x), ops::max_pool1d(x, 3, 1, 1)));
  // PyTorch prints MaxPool1d's sizes as numbers and AvgPool1d's as 1-tuples.
  EXPECT_EQ(max->extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false");
  EXPECT_EQ(avg->extra_repr(),
            "kernel_size=(3,), stride=(2,), padding=(1,), ceil_mode=true, count_include_pad=false");
  EXPECT_THAT(error_of([] { MaxPool1d(0); }), HasSubstr("MaxPool1d: kernel_size must be positive, got 0"));
  EXPECT_THAT(error_of([] { AvgPool1d(3, {.padding = 2}); }),
              HasSubstr("AvgPool1d: padding 2 should be non-negative and at most half of kernel_size 3"));
  EXPECT_THAT(error_of([] { AvgPool1d(3, {.stride = -2}); }),
              HasSubstr("AvgPool1d: stride must be positive, got -2"));
  EXPECT_THAT(error_of([] {
                MaxPool1d(2)(zeros({1, 2, 3, 4}));
              }),
              HasSubstr("max_pool1d: expected input of shape [N, C, L] or [C, L], got [1, 2, 3, 4]"));
}

}  // namespace
}  // namespace strata::nn
