// Normalisation layers: parameters and buffers named and initialised as PyTorch's (state_dict keys),
// train/eval behaviour (batch vs running statistics, num_batches_tracked), options, and errors.
#include "strata/nn/normalization.h"

#include <gmock/gmock.h>

#include "strata/ops/normalization.h"
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

std::vector<std::string> keys(const StateDict& sd) {
  std::vector<std::string> out;
  for (const auto& [k, v] : sd) out.push_back(k);
  return out;
}

TEST(BatchNormLayer, StateMatchesPyTorch) {
  BatchNorm2d bn(3);
  EXPECT_EQ(bn->type_name(), "BatchNorm2d");
  EXPECT_EQ(keys(bn->state_dict()), (std::vector<std::string>{"bias", "num_batches_tracked", "running_mean",
                                                              "running_var", "weight"}));
  EXPECT_TRUE(equal(bn->weight, ones({3})));
  EXPECT_TRUE(equal(bn->bias, zeros({3})));
  EXPECT_TRUE(equal(bn->running_mean, zeros({3})));
  EXPECT_TRUE(equal(bn->running_var, ones({3})));
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn->parameters().size(), 2u);
  EXPECT_FALSE(bn->running_mean.requires_grad());
  EXPECT_EQ(keys(BatchNorm1d(4, {.affine = false})->state_dict()),
            (std::vector<std::string>{"num_batches_tracked", "running_mean", "running_var"}));
  EXPECT_EQ(keys(BatchNorm1d(4, {.track_running_stats = false})->state_dict()),
            (std::vector<std::string>{"bias", "weight"}));
}

TEST(BatchNormLayer, TrainUpdatesRunningStatsEvalUsesThem) {
  BatchNorm2d bn(2, {.momentum = 0.5});
  const Tensor x = randn({4, 2, 3, 3}) * 3.0 + 1.0;
  const Tensor y = bn(x);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  // Training output: per-channel zero mean, unit (biased) variance.
  EXPECT_NEAR(y.mean({0, 2, 3}).abs().max().item(), 0.0, 1e-5);
  const Tensor batch_mean = x.mean({0, 2, 3});
  const Tensor batch_var = ops::var(x, {0, 2, 3}, true);
  EXPECT_TRUE(allclose(bn->running_mean, batch_mean * 0.5, 1e-4, 1e-5));
  EXPECT_TRUE(allclose(bn->running_var, batch_var * 0.5 + 0.5, 1e-4, 1e-5));
  bn->eval();
  const Tensor rm = bn->running_mean.clone();
  const Tensor z = bn(x);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  EXPECT_TRUE(equal(bn->running_mean, rm));
  const Tensor want = (x - rm.reshape({1, 2, 1, 1})) / (bn->running_var.reshape({1, 2, 1, 1}) + 1e-5).sqrt();
  EXPECT_TRUE(allclose(z, want, 1e-4, 1e-5));
  bn->train();
  bn(x);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
}

TEST(BatchNormLayer, WithoutRunningStatsEvalUsesBatchStats) {
  BatchNorm1d bn(3, {.track_running_stats = false});
  bn->eval();
  const Tensor x = randn({5, 3}) + 2.0;
  EXPECT_TRUE(allclose(bn(x), ops::batch_norm(x, {}, {}, bn->weight, bn->bias, true), 1e-6, 1e-6));
}

TEST(BatchNormLayer, GradientsReachParameters) {
  BatchNorm1d bn(3);
  const Tensor x = randn({4, 3, 5}).requires_grad_();
  (bn(x) * randn({4, 3, 5})).sum().backward();
  EXPECT_EQ(x.grad().shape(), Shape({4, 3, 5}));
  EXPECT_EQ(bn->weight.grad().shape(), Shape({3}));
  EXPECT_EQ(bn->bias.grad().shape(), Shape({3}));
}

TEST(BatchNormLayer, ReprAndF64) {
  EXPECT_EQ(BatchNorm2d(3)->extra_repr(),
            "3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true");
  BatchNorm2d bn(2);
  bn->to(kFloat64);
  EXPECT_EQ(bn->running_var.dtype(), kFloat64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn(randn({2, 2, 2, 2}, {.dtype = kFloat64})).dtype(), kFloat64);
}

TEST(BatchNormLayer, Errors) {
  EXPECT_THAT(error_of([] {
                BatchNorm2d(3)(zeros({2, 3, 4}));
              }),
              HasSubstr("BatchNorm2d: expected 4-D input, got shape [2, 3, 4]"));
  EXPECT_THAT(error_of([] {
                BatchNorm1d(3)(zeros({2, 3, 4, 4}));
              }),
              HasSubstr("BatchNorm1d: expected 2-D or 3-D input, got shape [2, 3, 4, 4]"));
  EXPECT_THAT(
      error_of([] {
        BatchNorm2d(3)(zeros({2, 4, 5, 5}));
      }),
      HasSubstr(
          "BatchNorm2d: expected input with 3 channels (num_features) in dim 1, got shape [2, 4, 5, 5]"));
  EXPECT_THAT(error_of([] {
                BatchNorm1d(3)(zeros({1, 3}));
              }),
              HasSubstr("batch_norm: expected more than 1 value per channel when training"));
  EXPECT_THAT(error_of([] { BatchNorm2d(0); }), HasSubstr("BatchNorm2d: num_features must be positive"));
}

TEST(LayerNormLayer, StateForwardAndErrors) {
  LayerNorm ln(Shape{2, 3});
  EXPECT_EQ(ln->type_name(), "LayerNorm");
  EXPECT_EQ(keys(ln->state_dict()), (std::vector<std::string>{"bias", "weight"}));
  EXPECT_TRUE(equal(ln->weight, ones({2, 3})));
  EXPECT_TRUE(equal(ln->bias, zeros({2, 3})));
  const Tensor x = randn({4, 2, 3});
  EXPECT_TRUE(equal(ln(x), ops::layer_norm(x, {2, 3}, ln->weight, ln->bias)));
  EXPECT_TRUE(LayerNorm(Shape{3}, 1e-5, false)->parameters().empty());
  EXPECT_EQ(ln->extra_repr(), "[2, 3], eps=1e-05, elementwise_affine=true");
  EXPECT_THAT(
      error_of([&] {
        ln(zeros({4, 3, 2}));
      }),
      HasSubstr(
          "LayerNorm: expected input with trailing dims [2, 3] (normalized_shape), got shape [4, 3, 2]"));
  EXPECT_THAT(error_of([] { LayerNorm(Shape{}); }),
              HasSubstr("LayerNorm: normalized_shape must not be empty"));
}

TEST(GroupNormLayer, StateForwardAndErrors) {
  GroupNorm gn(2, 6);
  EXPECT_EQ(gn->type_name(), "GroupNorm");
  EXPECT_EQ(keys(gn->state_dict()), (std::vector<std::string>{"bias", "weight"}));
  EXPECT_TRUE(equal(gn->weight, ones({6})));
  const Tensor x = randn({2, 6, 3});
  EXPECT_TRUE(equal(gn(x), ops::group_norm(x, 2, gn->weight, gn->bias)));
  // Train and eval behave the same (no running statistics).
  gn->eval();
  EXPECT_TRUE(equal(gn(x), ops::group_norm(x, 2, gn->weight, gn->bias)));
  EXPECT_EQ(gn->extra_repr(), "2, 6, eps=1e-05, affine=true");
  EXPECT_THAT(error_of([] { GroupNorm(4, 6); }),
              HasSubstr("GroupNorm: num_channels (6) must be divisible by num_groups (4)"));
  EXPECT_THAT(error_of([&] {
                gn(zeros({2, 4, 3}));
              }),
              HasSubstr("GroupNorm: expected input of shape [N, 6, ...], got [2, 4, 3]"));
}

TEST(LayerNormLayer, WithoutBias) {
  LayerNorm ln(Shape{4}, 1e-5, true, false);
  EXPECT_EQ(ln->state_dict().size(), 1u);
  EXPECT_FALSE(ln->bias.defined());
  EXPECT_EQ(ln(randn({2, 4})).shape(), (Shape{2, 4}));
}

TEST(RMSNormLayer, StateForwardAndErrors) {
  RMSNorm rms(Shape{4});
  EXPECT_EQ(rms->state_dict().size(), 1u);
  EXPECT_EQ(rms->weight.to_vector<float>(), (std::vector<float>{1, 1, 1, 1}));
  // Default eps: the machine epsilon of the input's dtype.
  const Tensor x = from_vector<double>({1, 2, 3, 4, 0, 0, 0, 0}, {2, 4});
  const auto y = RMSNorm(Shape{4}, std::nullopt, false)(x).to_vector<double>();
  const double r = 1.0 / std::sqrt(7.5 + std::numeric_limits<double>::epsilon());
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(y[static_cast<size_t>(i)], (i + 1) * r);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(y[static_cast<size_t>(i)], 0.0);  // zero rows stay finite
  EXPECT_EQ(ops::machine_epsilon(kFloat32), std::numeric_limits<float>::epsilon());
  EXPECT_EQ(RMSNorm(Shape{4}, 1e-6)->extra_repr(), "[4], eps=1e-06, elementwise_affine=true");
  EXPECT_THAT(
      error_of([&] {
        rms(randn({2, 3}));
      }),
      HasSubstr(
          "rms_norm: normalized_shape [4] must match the trailing dims of the input, got shape [2, 3]"));
  EXPECT_THAT(error_of([] { RMSNorm(Shape{}); }), HasSubstr("RMSNorm: normalized_shape must not be empty"));
  EXPECT_THAT(error_of([] { RMSNorm(Shape{3}, -1.0); }), HasSubstr("RMSNorm: eps must not be negative"));
}

}  // namespace
}  // namespace strata::nn
