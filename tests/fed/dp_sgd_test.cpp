#include "strata/fed/dp_sgd.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::fed {
namespace {

const LossFn kLoss = [](const Tensor& out, const Tensor& y) { return ops::cross_entropy(out, y); };

struct Batch {
  std::shared_ptr<nn::Module> model;
  Tensor x, y;
};

Batch setup(int64_t b = 8) {
  manual_seed(11);
  Batch s{
      nn::Sequential(nn::Conv2d(1, 2, 3), nn::ReLU(), nn::Flatten(), nn::Linear(2 * 4 * 4, 3)).ptr(), {}, {}};
  Generator g(12);
  s.x = randn({b, 1, 6, 6}, {}, &g);
  std::vector<int64_t> y;
  for (int64_t i = 0; i < b; ++i) y.push_back(i % 3);
  s.y = from_vector(y, {b});
  return s;
}

std::vector<Tensor> grads(const nn::Module& m) {
  std::vector<Tensor> out;
  for (const Tensor& p : m.parameters()) out.push_back(p.grad().clone());
  return out;
}

TEST(DpSgd, WithoutClippingOrNoiseItIsTheBatchGradient) {
  Batch s = setup();
  kLoss((*s.model)(s.x), s.y).backward();
  const std::vector<Tensor> want = grads(*s.model);
  s.model->zero_grad();
  DpSgd dp(s.model, {.max_grad_norm = 1e6, .noise_multiplier = 0.0});
  Generator g(1);
  dp.compute_gradients(s.x, s.y, kLoss, 8, g);
  const std::vector<Tensor> got = grads(*s.model);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_LT(ops::abs(ops::sub(got[i], want[i])).max().item(), 1e-5) << "parameter " << i;
  EXPECT_EQ(dp.clipped_fraction(), 0.0);
  for (const Tensor& p : s.model->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(DpSgd, ClipsEverySampleToTheNorm) {
  Batch s = setup();
  const double c = 1e-3;  // far below every per-sample norm: each clipped gradient has norm c
  DpSgd dp(s.model, {.max_grad_norm = c, .noise_multiplier = 0.0});
  Generator g(1);
  // One sample: the private gradient is that sample's gradient scaled to norm c.
  dp.compute_gradients(s.x.narrow(0, 0, 1), s.y.narrow(0, 0, 1), kLoss, 1, g);
  double norm2 = 0;
  for (const Tensor& t : grads(*s.model)) norm2 += ops::square(t).sum().item();
  EXPECT_NEAR(std::sqrt(norm2), c, 1e-6);
  EXPECT_EQ(dp.clipped_fraction(), 1.0);
}

TEST(DpSgd, AddsGaussianNoiseOfStdSigmaC) {
  Batch s = setup();
  DpSgd dp(s.model, {.max_grad_norm = 2.0, .noise_multiplier = 1.5});
  Generator g(3);
  // An empty batch (Poisson sampling can draw one): the gradient is the noise alone, std sigma*C / B.
  dp.compute_gradients(s.x.narrow(0, 0, 0), s.y.narrow(0, 0, 0), kLoss, 4.0, g);
  double sum2 = 0;
  int64_t n = 0;
  for (const Tensor& t : grads(*s.model)) {
    sum2 += ops::square(t).sum().item();
    n += t.numel();
  }
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(n)), 1.5 * 2.0 / 4.0, 0.1);
}

TEST(DpSgd, BadOptionsAreNamed) {
  Batch s = setup();
  EXPECT_ERROR_CONTAINS(DpSgd(s.model, {.max_grad_norm = 0.0}), "max_grad_norm");
  EXPECT_ERROR_CONTAINS(DpSgd(s.model, {.noise_multiplier = -1.0}), "noise_multiplier");
  DpSgd dp(s.model, {});
  Generator g(1);
  EXPECT_ERROR_CONTAINS(dp.compute_gradients(s.x, s.y, kLoss, 0.0, g), "expected_batch_size");
}

}  // namespace
}  // namespace strata::fed
