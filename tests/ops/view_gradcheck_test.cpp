// Gradient checks for views and copies (their backward rules map gradients back to the input's geometry).
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

// Weights the output so each element's gradient differs (a plain sum would hide permutations).
Tensor weighted(const Tensor& t) {
  Tensor w = arange(1.0, 1.0 + static_cast<double>(t.numel()), 1.0, {.dtype = kFloat64}).reshape(t.shape());
  return t * w;
}

TEST(ViewGradcheck, ReshapeAndView) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].view({3, 2})); }, input({2, 3}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].reshape({-1})); }, transposed_input({2, 3}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].flatten(1)); }, input({2, 3, 2}));
}

TEST(ViewGradcheck, TransposeAndPermute) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].transpose(0, 2)); }, input({2, 3, 4}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].permute({2, 0, 1})); }, input({2, 3, 4}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].t()); }, strided_input({2, 3}));
}

TEST(ViewGradcheck, SliceNarrowSelect) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].slice(1, 1, 5, 2)); }, input({3, 6}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].slice(0, -3, 100)); },
                   transposed_input({4, 2}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].narrow(-1, 1, 2)); }, input({2, 4}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].select(1, -1)); }, input({2, 3, 2}));
}

TEST(ViewGradcheck, ExpandSqueezeUnsqueeze) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].expand({2, 3, 4})); }, input({3, 1}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return weighted(x[0].unsqueeze(1).expand({2, 3, 2}));
      },
      transposed_input({2, 2}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].squeeze()); }, input({2, 1, 3}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].squeeze(1).unsqueeze(0)); }, input({2, 1, 3}));
}

TEST(ViewGradcheck, CopiesAndCasts) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].contiguous()); }, transposed_input({3, 2}));
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(x[0].clone()); }, strided_input({3, 2}));
  // Round trip through f32 loses precision, so check a cast that keeps f64 exact: f64 -> f64 view chain.
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(ops::to_dtype(x[0], kFloat64)); }, input({3}));
}

TEST(ViewGradcheck, SumToAndSliceScatter) {
  EXPECT_GRADCHECK([](const Inputs& x) { return weighted(ops::sum_to(x[0], {3, 1})); }, input({2, 3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return weighted(ops::slice_scatter(x[0], {5, 2}, 0, 1, 5, 2));
      },
      input({2, 2}));
}

TEST(ViewGradcheck, CastToF32PassesGradientBack) {
  Tensor x = from_vector<double>({1, 2, 3}).requires_grad_();
  (x.to(kFloat32) * 2.0).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2}));
}

}  // namespace
}  // namespace strata
