// The WGAN-GP gradient penalty differentiated with respect to the critic's weights: a gradient of a gradient
// through conv2d, leaky_relu, linear and the penalty's norm, against central differences in f64.
#include <gtest/gtest.h>

#include "strata/autograd/gradcheck.h"
#include "strata/core/factory.h"
#include "strata/models/wgan_gp.h"
#include "strata/ops.h"
#include "test_util.h"

namespace strata::models {
namespace {

using Inputs = std::vector<Tensor>;
using testing::input;

// A small conv critic written with the ops, its weights as the gradcheck inputs: conv2d(1->2, 3x3, stride 2,
// pad 1) -> leaky_relu(0.2) -> conv2d(2->2, 3x3, stride 2, pad 1) -> leaky_relu(0.2) -> linear -> score.
Tensor critic(const Inputs& w, const Tensor& x) {
  Tensor h = F::leaky_relu(F::conv2d(x, w[0], w[1], 2, 1), 0.2);
  h = F::leaky_relu(F::conv2d(h, w[2], w[3], 2, 1), 0.2);
  return F::linear(h.reshape({x.size(0), -1}), w[4], w[5]).reshape({x.size(0)});
}

TEST(WGANGPGradcheck, PenaltyGradientWithRespectToCriticWeights) {
  const Tensor real = input({3, 1, 6, 6}, 1, -1, 1).detach();
  const Tensor fake = input({3, 1, 6, 6}, 2, -1, 1).detach();
  auto penalty = [&](const Inputs& w) {
    Generator g(5);  // the same interpolation points at every evaluation
    return gradient_penalty([&](const Tensor& x) { return critic(w, x); }, real, fake, g);
  };
  EXPECT_GRADCHECK(penalty, input({2, 1, 3, 3}, 3, -0.8, 0.8), input({2}, 4),
                   input({2, 2, 3, 3}, 5, -0.8, 0.8), input({2}, 6), input({1, 8}, 7), input({1}, 8));
}

TEST(WGANGPGradcheck, PenaltyThroughConvTransposeAndTanhInputs) {
  // The penalty of a critic that starts with a transposed convolution and tanh / sigmoid: every layer a
  // GAN's networks use differentiates twice.
  const Tensor real = input({2, 2, 3, 3}, 11, -1, 1).detach();
  const Tensor fake = input({2, 2, 3, 3}, 12, -1, 1).detach();
  auto penalty = [&](const Inputs& w) {
    Generator g(9);
    return gradient_penalty(
        [&](const Tensor& x) {
          Tensor h = F::tanh(F::conv_transpose2d(x, w[0], w[1], 2, 1, 1));  // 3x3 -> 6x6
          h = F::sigmoid(F::conv2d(h, w[2], Tensor(), 2));                  // -> 3x3 (2x2 kernel)
          return F::sum(F::relu(h) * h, {1, 2, 3});
        },
        real, fake, g);
  };
  EXPECT_GRADCHECK(penalty, input({2, 2, 3, 3}, 13, -0.7, 0.7), input({2}, 14),
                   input({1, 2, 2, 2}, 15, -0.7, 0.7));
}

TEST(WGANGP, PenaltyIsZeroForAUnitGradientCritic) {
  // critic(x) = <a, x> with ||a|| = 1 has a gradient of norm 1 everywhere: no penalty.
  const Tensor a = full({1, 2, 2}, 0.5);
  Generator g(0);
  const Tensor gp = gradient_penalty(
      [&](const Tensor& x) {
        return F::sum(x * a, {1, 2, 3});
      },
      randn({4, 1, 2, 2}), randn({4, 1, 2, 2}), g);
  EXPECT_NEAR(gp.item(), 0.0, 1e-6);
  EXPECT_ERROR_CONTAINS(
      gradient_penalty([&](const Tensor& x) { return x; }, randn({4, 1, 2, 2}), randn({3, 1, 2, 2}), g),
      "gradient_penalty: real and fake must have one shape", "[4, 1, 2, 2]", "[3, 1, 2, 2]");
}

}  // namespace
}  // namespace strata::models
