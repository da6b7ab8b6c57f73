// Gradient checks of nn::Linear with respect to its input, weight and bias.
#include "strata/nn/linear.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

// A float64 Linear layer whose parameters gradcheck can perturb in place.
Linear f64_linear(int64_t in, int64_t out, bool bias) {
  manual_seed(3);
  Linear fc(in, out, bias);
  fc->to(kFloat64);
  return fc;
}

TEST(LinearGradcheck, WithBias) {
  Linear fc = f64_linear(4, 3, true);
  EXPECT_GRADCHECK([&](const Inputs& x) { return fc(x[0]); }, input({5, 4}), fc->weight, fc->bias);
}

TEST(LinearGradcheck, WithoutBias) {
  Linear fc = f64_linear(4, 3, false);
  EXPECT_FALSE(fc->bias.defined());
  EXPECT_GRADCHECK([&](const Inputs& x) { return fc(x[0]); }, transposed_input({5, 4}), fc->weight);
}

TEST(LinearGradcheck, ThreeDimensionalInput) {
  Linear fc = f64_linear(3, 2, true);
  EXPECT_GRADCHECK([&](const Inputs& x) { return fc(x[0]); }, input({2, 4, 3}), fc->weight, fc->bias);
  Linear no_bias = f64_linear(3, 2, false);
  EXPECT_GRADCHECK([&](const Inputs& x) { return no_bias(x[0]); }, transposed_input({2, 3, 3}),
                   no_bias->weight);
}

TEST(LinearGradcheck, OneDimensionalInput) {
  Linear fc = f64_linear(3, 2, true);
  EXPECT_GRADCHECK([&](const Inputs& x) { return fc(x[0]); }, input({3}), fc->weight, fc->bias);
}

}  // namespace
}  // namespace strata::nn
