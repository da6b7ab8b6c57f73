#include "strata/data/transforms.h"

#include "data_test_util.h"

namespace strata::data {
namespace {

namespace T = transforms;

Tensor u8(const std::vector<uint8_t>& values, const Shape& shape) { return from_vector(values, shape); }

TEST(ToFloat, ScalesPixelsToUnitRange) {
  Tensor y = T::to_float()(u8({0, 51, 255, 102}, {1, 2, 2}));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2}));
  const auto v = y.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0], 0.0f);
  EXPECT_FLOAT_EQ(v[1], 0.2f);
  EXPECT_FLOAT_EQ(v[2], 1.0f);
  EXPECT_FLOAT_EQ(v[3], 0.4f);
}

TEST(ToFloat, AnyDtypeAndLayout) {
  Tensor x = arange(6, {.dtype = kFloat64}).reshape({2, 3}).t();  // non-contiguous
  Tensor y = T::to_float(2.0)(x);
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 6, 2, 8, 4, 10}));
  EXPECT_EQ(T::to_float(1.0)(arange(3, {.dtype = kInt64})).to_vector<float>(), (std::vector<float>{0, 1, 2}));
  EXPECT_ERROR_CONTAINS(T::to_float()(Tensor()), "to_float", "undefined");
}

TEST(Normalize, PerChannel) {
  // [2, 2, 2]: channel 0 = 1..4, channel 1 = 5..8.
  Tensor x = arange(1, 9).reshape({2, 2, 2});
  Tensor y = T::normalize({1.0, 5.0}, {2.0, 4.0})(x);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 0.5, 1, 1.5, 0, 0.25, 0.5, 0.75}));
}

TEST(Normalize, OneValueForEveryChannelAndF64) {
  Tensor x = arange(4, {.dtype = kFloat64}).reshape({2, 2});
  Tensor y = T::normalize({1.0}, {0.5})(x);
  EXPECT_EQ(y.dtype(), kFloat64);
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{-2, 0, 2, 4}));
  // Mixed: one mean, per-channel std; non-contiguous input.
  Tensor z = T::normalize({1.0}, {1.0, 2.0})(arange(4).reshape({2, 2}).t());
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{-1, 1, 0, 1}));
  // A 0-dim input with one value.
  EXPECT_EQ(T::normalize({1.0}, {2.0})(scalar_tensor(5.0)).item(), 2.0);
}

TEST(Normalize, MatchesThePyTorchFormula) {
  Generator g(3);
  Tensor x = rand({3, 5, 5}, {}, &g);
  const std::vector<double> mean = {0.485, 0.456, 0.406}, stdev = {0.229, 0.224, 0.225};
  Tensor y = T::normalize(mean, stdev)(x);
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t i = 0; i < 5; ++i) {
      const float expected =
          (static_cast<float>(x.at({c, i, 2})) - static_cast<float>(mean[c])) / static_cast<float>(stdev[c]);
      EXPECT_FLOAT_EQ(static_cast<float>(y.at({c, i, 2})), expected);
    }
  }
}

TEST(Normalize, ClearErrors) {
  EXPECT_ERROR_CONTAINS(T::normalize({0.5, 0.5}, {1.0, 1.0})(zeros({3, 4, 4})), "normalize", "[3, 4, 4]",
                        "3 channels", "2 values");
  EXPECT_ERROR_CONTAINS(T::normalize({0.5, 0.5}, {1.0, 1.0})(scalar_tensor(1.0)), "normalize", "0 channels");
  EXPECT_ERROR_CONTAINS(T::normalize({0.5}, {1.0})(u8({1, 2}, {1, 2})), "normalize", "u8", "to_float");
  EXPECT_ERROR_CONTAINS(T::normalize({0.5, 0.1}, {1.0, 0.0}), "normalize", "zero");
  EXPECT_ERROR_CONTAINS(T::normalize({0.5, 0.1}, {1.0, 2.0, 3.0}), "normalize", "mean has 2", "std has 3");
  EXPECT_ERROR_CONTAINS(T::normalize({}, {1.0}), "normalize", "at least one");
}

TEST(Compose, AppliesLeftToRight) {
  Tensor img = u8({0, 255, 51, 102}, {1, 2, 2});
  auto t = T::compose({T::to_float(), T::normalize({0.5}, {0.5})});
  Tensor y = t(img);
  EXPECT_EQ(y.dtype(), kFloat32);
  const auto v = y.to_vector<float>();
  EXPECT_FLOAT_EQ(v[0], -1.0f);
  EXPECT_FLOAT_EQ(v[1], 1.0f);
  EXPECT_FLOAT_EQ(v[2], -0.6f);
  // Order matters: normalising first then scaling is a different map.
  auto scale_then_shift = T::compose({T::to_float(2.0), T::normalize({1.0}, {1.0})});
  auto shift_then_scale = T::compose({T::normalize({1.0}, {1.0}), T::to_float(2.0)});
  Tensor x = ones({1});
  EXPECT_EQ(scale_then_shift(x).item(), 1.0);
  EXPECT_EQ(shift_then_scale(x).item(), 0.0);
  // No transforms: identity.
  EXPECT_TRUE(equal(T::compose({})(x), x));
  EXPECT_ERROR_CONTAINS(T::compose({T::to_float(), nullptr}), "compose", "transform 1 of 2", "empty");
}

TEST(Transforms, WorkInsideATransformDataset) {
  auto base = std::make_shared<TensorDataset>(from_vector<uint8_t>({0, 255, 255, 0}, {2, 1, 2}),
                                              from_vector<int64_t>({3, 4}));
  TransformDataset ds(base, T::compose({T::to_float(), T::normalize({0.5}, {0.5})}));
  Example e = ds.get(1);
  EXPECT_EQ(e.input.to_vector<float>(), (std::vector<float>{1, -1}));
  EXPECT_EQ(e.target.item<int64_t>(), 4);
}

}  // namespace
}  // namespace strata::data
