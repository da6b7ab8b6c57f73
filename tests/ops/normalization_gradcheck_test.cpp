// Gradient checks (f64) for batch_norm (training and eval, with and without affine), layer_norm and
// group_norm w.r.t. every input, non-contiguous inputs, and second order (the composite backward).
#include "strata/ops/normalization.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(NormalizationGradcheck, BatchNormTraining) {
  auto bn = [](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, v[1], v[2], true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(bn, input({4, 3}, 1), input({3}, 2), input({3}, 3));
  EXPECT_GRADCHECK(bn, input({2, 3, 4}, 1), input({3}, 2), input({3}, 3));
  EXPECT_GRADCHECK(bn, input({2, 2, 3, 2}, 1), input({2}, 2), input({2}, 3));
  auto plain = [](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, {}, {}, true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(plain, input({3, 2, 2, 2}, 1));
  // Running statistics updated along the way do not change the training output.
  Tensor rm = zeros({3}, {.dtype = kFloat64});
  Tensor rv = ones({3}, {.dtype = kFloat64});
  auto tracked = [&](const Inputs& v) { return ops::batch_norm(v[0], rm, rv, v[1], {}, true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(tracked, input({4, 3}, 4), input({3}, 5));
}

TEST(NormalizationGradcheck, BatchNormEval) {
  const Tensor rm = input({3}, 7).detach();
  const Tensor rv = input({3}, 8, 0.5, 2.0).detach();
  auto bn = [&](const Inputs& v) { return ops::batch_norm(v[0], rm, rv, v[1], v[2], false, 0.1, 1e-5); };
  EXPECT_GRADCHECK(bn, input({2, 3, 2, 2}, 1), input({3}, 2), input({3}, 3));
}

TEST(NormalizationGradcheck, BatchNormNonContiguous) {
  auto bn = [](const Inputs& v) { return ops::batch_norm(v[0], {}, {}, v[1], v[2], true, 0.1, 1e-5); };
  EXPECT_GRADCHECK(bn, transposed_input({2, 2, 3, 3}, 1), strided_input({2}, 2), input({2}, 3));
}

TEST(NormalizationGradcheck, LayerNorm) {
  auto ln = [](Shape ns) { return [=](const Inputs& v) { return ops::layer_norm(v[0], ns, v[1], v[2]); }; };
  EXPECT_GRADCHECK(ln({4}), input({3, 4}, 1), input({4}, 2), input({4}, 3));
  EXPECT_GRADCHECK(ln({2, 3}), input({2, 2, 3}, 1), input({2, 3}, 2), input({2, 3}, 3));
  EXPECT_GRADCHECK(ln({3}), transposed_input({2, 3}, 1), strided_input({3}, 2), input({3}, 3));
  auto plain = [](const Inputs& v) { return ops::layer_norm(v[0], {5}); };
  EXPECT_GRADCHECK(plain, strided_input({2, 5}, 1));
}

TEST(NormalizationGradcheck, RMSNorm) {
  auto rms = [](Shape ns) { return [=](const Inputs& v) { return ops::rms_norm(v[0], ns, v[1], 1e-6); }; };
  EXPECT_GRADCHECK(rms({4}), input({3, 4}, 1), input({4}, 2));
  EXPECT_GRADCHECK(rms({2, 3}), input({2, 2, 3}, 1), input({2, 3}, 2));
  EXPECT_GRADCHECK(rms({3}), transposed_input({2, 3}, 1), strided_input({3}, 2));
  auto plain = [](const Inputs& v) { return ops::rms_norm(v[0], {5}); };
  EXPECT_GRADCHECK(plain, strided_input({2, 5}, 1));
}

TEST(NormalizationGradcheck, GroupNorm) {
  auto gn = [](int64_t g) { return [=](const Inputs& v) { return ops::group_norm(v[0], g, v[1], v[2]); }; };
  EXPECT_GRADCHECK(gn(2), input({2, 4, 3}, 1), input({4}, 2), input({4}, 3));
  EXPECT_GRADCHECK(gn(3), input({1, 3, 2, 2}, 1), input({3}, 2), input({3}, 3));
  auto plain = [](const Inputs& v) { return ops::group_norm(v[0], 1); };
  EXPECT_GRADCHECK(plain, transposed_input({2, 2, 3, 2}, 1));
}

// Under create_graph the backward is written with ops: its gradient is checked here.
TEST(NormalizationGradcheck, SecondOrder) {
  auto bn2 = [](const Inputs& v) {
    const Tensor y = ops::batch_norm(v[0], {}, {}, v[1], v[2], true, 0.1, 1e-5);
    const auto g = autograd::grad((y * y * y).sum(), {v[0], v[1], v[2]}, {}, true, true);
    return (g[0] * g[0]).sum() + (g[1] * g[1]).sum() + (g[2] * g[2]).sum();
  };
  EXPECT_GRADCHECK(bn2, input({3, 2, 2}, 1), input({2}, 2), input({2}, 3));
  const Tensor rm = input({2}, 7).detach();
  const Tensor rv = input({2}, 8, 0.5, 2.0).detach();
  auto bn_eval2 = [&](const Inputs& v) {
    const Tensor y = ops::batch_norm(v[0], rm, rv, v[1], v[2], false);
    return autograd::grad((y * y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(bn_eval2, input({2, 2, 2}, 1), input({2}, 2), input({2}, 3));
  // 4-D input as BatchNorm2d sees it in a DCGAN: the input gradient (what a gradient penalty takes)
  // differentiated again with respect to the input, weight and bias, in training and eval mode.
  for (const bool training : {true, false}) {
    auto bn4 = [&, training](const Inputs& v) {
      const Tensor y = ops::batch_norm(v[0], rm, rv, v[1], v[2], training, 0.0, 1e-5);
      const Tensor gx = autograd::grad((ops::tanh(y) * v[0]).sum(), {v[0]}, {}, true, true)[0];
      return (gx * gx).sum();
    };
    EXPECT_GRADCHECK(bn4, input({2, 2, 2, 3}, 4), input({2}, 5), input({2}, 6));
  }
  auto ln2 = [](const Inputs& v) {
    const Tensor y = ops::layer_norm(v[0], {3}, v[1], v[2]);
    const auto g = autograd::grad((y * y * y).sum(), {v[0], v[1]}, {}, true, true);
    return (g[0] * g[0]).sum() + (g[1] * g[1]).sum();
  };
  EXPECT_GRADCHECK(ln2, input({2, 3}, 1), input({3}, 2), input({3}, 3));
  auto gn2 = [](const Inputs& v) {
    const Tensor y = ops::group_norm(v[0], 2, v[1], v[2]);
    return autograd::grad((y * y * y).sum(), {v[0]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(gn2, input({1, 4, 2}, 1), input({4}, 2), input({4}, 3));
}

}  // namespace
}  // namespace strata
