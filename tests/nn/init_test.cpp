#include "strata/nn/init.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Init, SchemesFollowTheirFormulas) {
  Tensor w = empty({256, 128});
  init::xavier_uniform_(w);
  const double a = std::sqrt(6.0 / (256 + 128));
  EXPECT_LE(w.abs().max().item(), a);
  EXPECT_GT(w.abs().max().item(), 0.99 * a);
  init::xavier_normal_(w, 2.0);
  EXPECT_NEAR(ops::std(w).item(), 2.0 * std::sqrt(2.0 / (256 + 128)), 0.005);
  init::kaiming_normal_(w, 0.0, init::FanMode::FanIn, init::Nonlinearity::Relu);
  EXPECT_NEAR(ops::std(w).item(), std::sqrt(2.0 / 128), 0.005);
  init::kaiming_uniform_(w, 0.0, init::FanMode::FanOut, init::Nonlinearity::Relu);
  EXPECT_LE(w.abs().max().item(), std::sqrt(6.0 / 256));
  init::normal_(w, 1.0, 0.5);
  EXPECT_NEAR(w.mean().item(), 1.0, 0.01);
  init::uniform_(w, -2.0, -1.0);
  EXPECT_LE(w.max().item(), -1.0);
  EXPECT_GE(w.min().item(), -2.0);
  init::constant_(w, 0.5);
  EXPECT_EQ(w.mean().item(), 0.5);
  init::zeros_(w);
  EXPECT_EQ(w.abs().max().item(), 0.0);
  init::ones_(w);
  EXPECT_EQ(w.min().item(), 1.0);
  Tensor q = empty({4, 6});
  init::orthogonal_(q);
  EXPECT_TRUE(allclose(ops::matmul(q, q.t()), eye(4), 1e-4, 1e-5));
}

TEST(Init, GainsAndFans) {
  EXPECT_NEAR(init::calculate_gain(init::Nonlinearity::Tanh), 5.0 / 3.0, 1e-12);
  EXPECT_NEAR(init::calculate_gain(init::Nonlinearity::Relu), std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(init::calculate_gain(init::Nonlinearity::LeakyRelu, std::sqrt(5.0)), std::sqrt(2.0 / 6.0),
              1e-12);
  EXPECT_EQ(init::calculate_gain(init::Nonlinearity::Sigmoid), 1.0);
  // Conv weights: fans include the receptive field.
  EXPECT_EQ(init::fan_in_and_out(empty({8, 3, 5, 5})), (std::pair<int64_t, int64_t>{75, 200}));
}

TEST(Init, WritesInPlaceWithoutRecording) {
  Tensor w = zeros({3, 4}).requires_grad_();
  Tensor alias = w;
  init::normal_(w);
  EXPECT_TRUE(alias.is_same(w));
  EXPECT_TRUE(w.is_leaf());
  EXPECT_GT(w.abs().max().item(), 0.0);
}

TEST(Init, GeneratorMakesDrawsReproducible) {
  Tensor a = empty({5}), b = empty({5});
  Generator g1(42), g2(42);
  init::uniform_(a, 0.0, 1.0, &g1);
  init::uniform_(b, 0.0, 1.0, &g2);
  EXPECT_TRUE(equal(a, b));
}

TEST(Init, BadTensorsRaiseClearErrors) {
  Tensor v = empty({3});
  try {
    init::xavier_uniform_(v);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "init: fan in and fan out need a tensor with at least 2 dims, got shape [3]");
  }
  Tensor i = zeros({2, 2}, {.dtype = kInt64});
  try {
    init::normal_(i);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "normal_: needs a floating tensor, got i64");
  }
  EXPECT_THROW(init::orthogonal_(v), Error);
}

}  // namespace
}  // namespace strata::nn
