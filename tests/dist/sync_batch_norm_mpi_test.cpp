// SyncBatchNorm under mpirun: each rank normalises its slice of a global batch; outputs, input gradients,
// summed parameter gradients and running statistics must equal BatchNorm's on the whole batch in one process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"
#include "strata/dist/sync_batch_norm.h"
#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

constexpr int64_t kBatch = 3;  // per rank (uneven global batches at 3 ranks: 9)

template <typename BN>
void expect_matches_global_batch_norm(const Shape& sample_shape, BN reference) {
  const int n = dist::world_size();
  const int r = dist::rank();
  const int64_t channels = sample_shape[0];
  Shape global_shape = sample_shape;
  global_shape.insert(0, n * kBatch);
  Generator g(42);
  const Tensor x_all = randn(global_shape, {.dtype = kFloat64}, &g);
  const Tensor w_all = randn(global_shape, {.dtype = kFloat64}, &g);  // loss = sum(y * w)
  reference->to(kFloat64);
  {
    NoGradGuard no_grad;
    reference->weight.copy_(randn({channels}, {.dtype = kFloat64}, &g));
    reference->bias.copy_(randn({channels}, {.dtype = kFloat64}, &g));
  }
  dist::SyncBatchNorm sync(channels, reference->options);
  sync->to(kFloat64);
  sync->load_state_dict(reference->state_dict());

  Tensor x_ref = x_all.clone().requires_grad_();
  Tensor y_ref = (*reference)(x_ref);
  (y_ref * w_all).sum().backward();

  Tensor x = x_all.narrow(0, r * kBatch, kBatch).clone().requires_grad_();
  Tensor y = sync(x);
  (y * w_all.narrow(0, r * kBatch, kBatch)).sum().backward();

  EXPECT_TRUE(allclose(y, y_ref.narrow(0, r * kBatch, kBatch), 1e-10, 1e-10));
  EXPECT_TRUE(allclose(x.grad(), x_ref.grad().narrow(0, r * kBatch, kBatch), 1e-9, 1e-10));
  for (Tensor* p : {&sync->weight, &sync->bias}) {
    Tensor sum = p->grad().clone();
    dist::all_reduce(sum);
    const Tensor& expected = p == &sync->weight ? reference->weight.grad() : reference->bias.grad();
    EXPECT_TRUE(allclose(sum, expected, 1e-9, 1e-10));
  }
  EXPECT_TRUE(allclose(sync->running_mean, reference->running_mean, 1e-10, 1e-12));
  EXPECT_TRUE(allclose(sync->running_var, reference->running_var, 1e-10, 1e-12));
  EXPECT_EQ(sync->num_batches_tracked.item(), 1.0);
  // Evaluation: the running statistics, as BatchNorm.
  sync->eval();
  reference->eval();
  NoGradGuard no_grad;
  EXPECT_TRUE(allclose(sync(x_all), (*reference)(x_all), 1e-10, 1e-10));
}

TEST(SyncBatchNorm, MatchesBatchNormOnTheGlobalBatch1d) {
  expect_matches_global_batch_norm({4, 5}, nn::BatchNorm1d(4).ptr());
}

TEST(SyncBatchNorm, MatchesBatchNormOnTheGlobalBatch2d) {
  expect_matches_global_batch_norm({3, 4, 2}, nn::BatchNorm2d(3, {.momentum = 0.3}).ptr());
}

TEST(SyncBatchNorm, ConvertReplacesBatchNormsKeepingTheirState) {
  auto net =
      nn::Sequential(nn::Linear(4, 6), nn::BatchNorm1d(6), nn::ReLU(), nn::Linear(6, 6), nn::BatchNorm1d(6));
  const nn::StateDict before = net->state_dict();
  EXPECT_EQ(dist::convert_sync_batchnorm(*net), 2);
  EXPECT_EQ(net->named_children()[1].second->type_name(), "SyncBatchNorm");
  const nn::StateDict after = net->state_dict();
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [name, t] : before) EXPECT_TRUE(equal(t, after.at(name))) << name;
  EXPECT_EQ(dist::convert_sync_batchnorm(*net), 0);
}

TEST(SyncBatchNorm, BadInput) {
  dist::SyncBatchNorm bn(4);
  EXPECT_THAT(testing::error_of([&] {
                bn(zeros({2, 3}));
              }),
              ::testing::HasSubstr("SyncBatchNorm: expected input"));
  EXPECT_THAT(testing::error_of([] { dist::SyncBatchNorm(0); }),
              ::testing::HasSubstr("num_features must be positive"));
}

}  // namespace
}  // namespace strata
