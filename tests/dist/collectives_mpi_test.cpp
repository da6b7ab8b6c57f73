// Collectives across the ranks of an mpirun (2 and 3 ranks): values that depend on the rank, so a wrong
// reduction, a wrong rank order or a lost element shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"
#include "test_util.h"

namespace strata {
namespace {

using ::testing::HasSubstr;

// [rows, cols] with element k (row-major) = 100 * r + k.
Tensor rank_tensor(int r, int64_t rows = 2, int64_t cols = 3, Dtype dtype = kFloat32) {
  Tensor t = arange(static_cast<double>(rows * cols), {.dtype = kFloat64}).reshape({rows, cols}) + 100.0 * r;
  return t.to(dtype);
}

TEST(Collectives, AllReduceSumMeanMaxMin) {
  const int n = dist::world_size();
  const int r = dist::rank();
  ASSERT_GE(n, 2);
  double rank_sum = 0;
  for (int k = 0; k < n; ++k) rank_sum += k;
  Tensor base = rank_tensor(0);

  Tensor sum = rank_tensor(r);
  dist::all_reduce(sum);
  EXPECT_TRUE(allclose(sum, base * static_cast<double>(n) + 100.0 * rank_sum));

  Tensor mean = rank_tensor(r, 2, 3, kFloat64);
  dist::all_reduce(mean, dist::ReduceOp::Mean);
  EXPECT_TRUE(allclose(mean, base.to(kFloat64) + 100.0 * rank_sum / n));

  Tensor max = rank_tensor(r, 2, 3, kInt64);
  dist::all_reduce(max, dist::ReduceOp::Max);
  EXPECT_TRUE(equal(max, rank_tensor(n - 1, 2, 3, kInt64)));

  Tensor min = full({2, 3}, r + 1.0, {.dtype = kUInt8});
  dist::all_reduce(min, dist::ReduceOp::Min);
  EXPECT_EQ(min.to(kFloat64).sum().item(), 6.0);
}

TEST(Collectives, AllReduceWritesThroughStridedViews) {
  const int n = dist::world_size();
  Tensor base = zeros({4, 3});
  Tensor view = base.t();  // [3, 4], non-contiguous
  view.fill_(1.0 + dist::rank());
  dist::all_reduce(view);
  EXPECT_EQ(base.sum().item(), 12.0 * n * (n + 1) / 2);
}

TEST(Collectives, BroadcastFromEveryRank) {
  for (int src = 0; src < dist::world_size(); ++src) {
    Tensor t = rank_tensor(dist::rank(), 3, 2);
    dist::broadcast(t, src);
    EXPECT_TRUE(equal(t, rank_tensor(src, 3, 2))) << "src " << src;
  }
  Tensor base = zeros({2, 5});
  Tensor column = base.select(1, 2);  // strided
  column.fill_(dist::rank() + 5.0);
  dist::broadcast(column, 1);
  EXPECT_EQ(base.sum().item(), 12.0);
}

TEST(Collectives, AllGatherInRankOrder) {
  const int n = dist::world_size();
  const std::vector<Tensor> parts = dist::all_gather(rank_tensor(dist::rank()));
  ASSERT_EQ(static_cast<int>(parts.size()), n);
  for (int k = 0; k < n; ++k) EXPECT_TRUE(equal(parts[static_cast<size_t>(k)], rank_tensor(k))) << k;
  const Tensor all = dist::all_gather_into_tensor(rank_tensor(dist::rank()));
  EXPECT_EQ(all.shape(), Shape({2L * n, 3}));
  EXPECT_TRUE(equal(all.narrow(0, 2L * (n - 1), 2), rank_tensor(n - 1)));
  const Tensor scalars = dist::all_gather_into_tensor(scalar_tensor(dist::rank(), {.dtype = kInt64}));
  EXPECT_EQ(scalars.shape(), Shape({n}));
  EXPECT_EQ(scalars.sum().item(), n * (n - 1) / 2.0);
}

TEST(Collectives, BarrierAndProcessGroup) {
  dist::barrier();
  EXPECT_TRUE(dist::is_initialized());
  EXPECT_LT(dist::rank(), dist::world_size());
  EXPECT_LT(dist::local_rank(), dist::local_world_size());
  // loopback: every rank is on this host.
  EXPECT_EQ(dist::local_world_size(), dist::world_size());
  EXPECT_EQ(dist::local_rank(), dist::rank());
}

TEST(Collectives, BadInputNamesTheOp) {
  Tensor bf = empty({2}, {.dtype = kBFloat16});
  EXPECT_THAT(testing::error_of([&] { dist::all_reduce(bf); }), HasSubstr("dist::all_reduce: dtype"));
  Tensor i = zeros({2}, {.dtype = kInt64});
  EXPECT_THAT(testing::error_of([&] { dist::all_reduce(i, dist::ReduceOp::Mean); }),
              HasSubstr("Mean needs a floating tensor"));
  Tensor undefined;
  EXPECT_THAT(testing::error_of([&] { dist::broadcast(undefined); }),
              HasSubstr("dist::broadcast: the tensor"));
  Tensor t = zeros({2});
  EXPECT_THAT(testing::error_of([&] { dist::broadcast(t, dist::world_size()); }), HasSubstr("src rank"));
  EXPECT_THAT(testing::error_of([] { dist::set_timeout(std::chrono::milliseconds(0)); }),
              HasSubstr("dist::set_timeout"));
  // The group still works after refused calls (they fail before any message is sent).
  dist::all_reduce(t);
  EXPECT_FALSE(dist::has_faulted());
}

}  // namespace
}  // namespace strata
