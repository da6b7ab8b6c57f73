// Per-sample gradients against autograd run on one sample at a time (the loop they avoid).
#include "strata/fed/per_sample_grad.h"

#include <gtest/gtest.h>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::fed {
namespace {

// The per-sample gradients of the batch-mean cross entropy, by autograd on each sample alone.
std::vector<std::vector<Tensor>> loop_gradients(const std::shared_ptr<nn::Module>& model, const Tensor& x,
                                                const Tensor& y) {
  std::vector<std::vector<Tensor>> out;
  for (int64_t i = 0; i < x.size(0); ++i) {
    model->zero_grad();
    ops::cross_entropy((*model)(x.narrow(0, i, 1)), y.narrow(0, i, 1)).backward();
    std::vector<Tensor> g;
    for (const Tensor& p : model->parameters()) g.push_back(p.grad().clone());
    out.push_back(g);
  }
  model->zero_grad();
  return out;
}

void expect_matches_loop(const std::shared_ptr<nn::Module>& model, const Tensor& x, const Tensor& y) {
  const auto expected = loop_gradients(model, x, y);
  PerSampleGradients psg(model);
  const int64_t b = x.size(0);
  ops::cross_entropy((*model)(x), y).backward();
  const std::vector<Tensor> grads = psg.gradients(static_cast<double>(b));
  ASSERT_EQ(grads.size(), model->parameters().size());
  std::vector<double> norms(static_cast<size_t>(b), 0.0);
  for (size_t p = 0; p < grads.size(); ++p) {
    for (int64_t i = 0; i < b; ++i) {
      const Tensor got = grads[p].select(0, i), want = expected[i][p];
      ASSERT_EQ(got.shape(), want.shape());
      EXPECT_LT(ops::abs(ops::sub(got, want)).max().item(), 1e-5 * (1 + ops::abs(want).max().item()))
          << "parameter " << p << " sample " << i;
      norms[i] += ops::square(want).sum().item();
    }
  }
  // The norms (factorised for 2-D Linear inputs) and the weighted sum agree with the loop too.
  const std::vector<double> sq = psg.squared_norms(static_cast<double>(b)).to_vector<double>();
  std::vector<double> w;
  for (int64_t i = 0; i < b; ++i) {
    EXPECT_NEAR(sq[i], norms[i], 1e-4 * norms[i] + 1e-8);
    w.push_back(0.25 + 0.5 * static_cast<double>(i % 3));
  }
  const std::vector<Tensor> sums = psg.weighted_sum(from_vector(w, {b}).to(kFloat32), static_cast<double>(b));
  for (size_t p = 0; p < sums.size(); ++p) {
    Tensor want = zeros_like(sums[p]);
    for (int64_t i = 0; i < b; ++i) want = ops::add(want, expected[i][p], w[i]);
    EXPECT_LT(ops::abs(ops::sub(sums[p], want)).max().item(), 1e-4 * (1 + ops::abs(want).max().item()));
  }
}

Tensor labels(int64_t n, int64_t classes) {
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) y.push_back((i * 7 + 3) % classes);
  return from_vector(y, {n});
}

TEST(PerSampleGradients, LinearMatchesAutogradPerSample) {
  manual_seed(1);
  auto model = nn::Sequential(nn::Linear(6, 5), nn::ReLU(), nn::Linear(5, 3)).ptr();
  Generator g(2);
  expect_matches_loop(model, randn({7, 6}, {}, &g), labels(7, 3));
}

TEST(PerSampleGradients, LinearOnSequencesSumsOverSteps) {
  manual_seed(3);
  // [B, T, in] -> Linear -> [B, T, out] -> Flatten -> Linear: the first layer's per-sample gradient sums T
  // outer products.
  auto model = nn::Sequential(nn::Linear(4, 3), nn::Tanh(), nn::Flatten(), nn::Linear(15, 2)).ptr();
  Generator g(4);
  expect_matches_loop(model, randn({5, 5, 4}, {}, &g), labels(5, 2));
}

TEST(PerSampleGradients, Conv2dMatchesAutogradPerSample) {
  manual_seed(5);
  auto model = nn::Sequential(nn::Conv2d(2, 4, 3, {.stride = 2, .padding = 1}), nn::ReLU(),
                              nn::Conv2d(4, 3, {2, 3}, {.dilation = {1, 2}, .bias = false}), nn::Flatten(),
                              nn::Linear(3 * 3 * 2, 4))
                   .ptr();
  Generator g(6);
  expect_matches_loop(model, randn({4, 2, 8, 12}, {}, &g), labels(4, 4));
}

TEST(PerSampleGradients, Conv2dStridePastTheEdgeAndSamePadding) {
  manual_seed(7);
  // Stride 2 over 10 columns leaves one the kernel never reaches; "same" padding keeps the size.
  auto model =
      nn::Sequential(nn::Conv2d(3, 2, 3, {.stride = 2}), nn::Tanh(), nn::Conv2d(2, 2, 3, {.padding = "same"}),
                     nn::Flatten(), nn::Linear(2 * 4 * 4, 3))
          .ptr();
  Generator g(8);
  expect_matches_loop(model, randn({3, 3, 9, 10}, {}, &g), labels(3, 3));
}

TEST(PerSampleGradients, UnfoldFeedsConvolutionAsAMatmul) {
  Generator g(7);
  const Tensor x = randn({2, 3, 7, 6}, {}, &g), w = randn({5, 3, 3, 2}, {}, &g);
  const Tensor conv = ops::conv2d(x, w, {}, {2, 1}, {1, 0}, {1, 2});
  const Tensor cols = unfold(x, 3, 2, 2, 1, 1, 0, 1, 2);  // [2, 18, L]
  const Tensor mm = ops::matmul(w.reshape({5, -1}), cols).reshape(conv.shape());
  EXPECT_LT(ops::abs(ops::sub(mm, conv)).max().item(), 1e-4);
  EXPECT_ERROR_CONTAINS(unfold(zeros({2, 3}), 3, 3, 1, 1, 0, 0, 1, 1), "unfold", "[N, C, H, W]");
  EXPECT_ERROR_CONTAINS(unfold(zeros({1, 1, 2, 2}), 3, 3, 1, 1, 0, 0, 1, 1), "does not fit");
}

TEST(PerSampleGradients, OtherTrainableModulesAreRefused) {
  auto model = nn::Sequential(nn::Linear(4, 4), nn::BatchNorm1d(4)).ptr();
  EXPECT_ERROR_CONTAINS(PerSampleGradients{model}, "BatchNorm1d", "Linear and Conv2d");
  auto grouped = nn::Sequential(nn::Conv2d(4, 4, 3, {.groups = 2})).ptr();
  EXPECT_ERROR_CONTAINS(PerSampleGradients{grouped}, "groups 2");
  // Frozen layers are left alone.
  auto frozen = nn::Sequential(nn::Linear(4, 4), nn::BatchNorm1d(4)).ptr();
  frozen->freeze("1.*");
  EXPECT_EQ(PerSampleGradients(frozen).parameters().size(), 2u);
}

}  // namespace
}  // namespace strata::fed
