// Sparse and segment ops on hand-computed cases, bad input, and determinism across thread counts.
#include "test_util.h"

namespace strata {
namespace {

Tensor idx(const std::vector<int64_t>& v) { return from_vector<int64_t>(v); }
Tensor f32(const std::vector<float>& v, const Shape& s) { return from_vector<float>(v, s); }

TEST(Sparse, SpmmHandComputed) {
  // [[1, 0, 2], [0, 0, 0], [0, 3, 0]] (the 2 split in two entries: repeats add up).
  const auto a = F::sparse_coo(from_vector<int64_t>({0, 2, 0, 0, 0, 1, 2, 2}, {2, 4}),
                               f32({1, 3, 1.5f, 0.5f}, {4}), 3, 3);
  const Tensor b = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(F::spmm(a, b).to_vector<float>(), (std::vector<float>{11, 14, 0, 0, 9, 12}));
  EXPECT_EQ(F::to_dense(a).to_vector<float>(), (std::vector<float>{1, 0, 2, 0, 0, 0, 0, 3, 0}));
  const auto csr = F::to_csr(a);
  EXPECT_EQ(csr.crow_indices.to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 3, 4}));
  EXPECT_EQ(F::spmm(F::transpose(csr), f32({1, 1, 1}, {3, 1})).to_vector<float>(),
            (std::vector<float>{1, 3, 2}));
}

TEST(Sparse, ScatterReduceHandComputed) {
  const Tensor src = f32({1, 2, 3, 4, -5}, {5, 1});
  const Tensor index = idx({1, 0, 1, 1, 3});
  EXPECT_EQ(F::scatter_reduce(src, index, 4, F::Reduce::Sum).to_vector<float>(),
            (std::vector<float>{2, 8, 0, -5}));
  EXPECT_EQ(F::scatter_reduce(src, index, 4, F::Reduce::Mean).to_vector<float>(),
            (std::vector<float>{2, 8.f / 3, 0, -5}));
  EXPECT_EQ(F::scatter_reduce(src, index, 4, F::Reduce::Max).to_vector<float>(),
            (std::vector<float>{2, 4, 0, -5}));
}

TEST(Sparse, MaxSplitsGradientAmongTies) {
  Tensor src = f32({3, 3, 1}, {3}).requires_grad_();
  F::scatter_reduce(src, idx({0, 0, 0}), 1, F::Reduce::Max).sum().backward();
  EXPECT_EQ(src.grad().to_vector<float>(), (std::vector<float>{0.5f, 0.5f, 0}));
}

TEST(Sparse, SegmentSoftmaxSumsToOnePerSegment) {
  const Tensor index = idx({2, 0, 2, 2, 0});
  const Tensor p = F::segment_softmax(f32({1, 2, 3, 4, 1000}, {5}), index, 3);
  const auto v = p.to_vector<float>();
  EXPECT_NEAR(v[1] + v[4], 1.0, 1e-6);
  EXPECT_NEAR(v[0] + v[2] + v[3], 1.0, 1e-6);
  EXPECT_NEAR(v[4], 1.0, 1e-6);  // large logits stay finite
}

TEST(Sparse, ReduceNames) {
  EXPECT_EQ(F::reduce_from_string("add"), F::Reduce::Sum);
  EXPECT_EQ(F::reduce_from_string("mean"), F::Reduce::Mean);
  EXPECT_ERROR_CONTAINS(F::reduce_from_string("min", "SAGEConv"), "SAGEConv", "'min'", "sum, add, mean, max");
}

TEST(Sparse, BadInput) {
  const Tensor src = zeros({3, 2});
  EXPECT_ERROR_CONTAINS(F::scatter_reduce(src, idx({0, 5, 1}), 4, F::Reduce::Sum), "scatter_reduce", "5",
                        "4 segments");
  EXPECT_ERROR_CONTAINS(F::scatter_reduce(src, idx({0, 1}), 4, F::Reduce::Sum), "scatter_reduce", "[3, 2]",
                        "2 rows");
  EXPECT_ERROR_CONTAINS(F::scatter_reduce(src, zeros({3}), 4, F::Reduce::Sum), "1-D i64");
  EXPECT_ERROR_CONTAINS(F::sparse_coo(from_vector<int64_t>({0, 3}, {2, 1}), zeros({1}), 2, 2), "sparse_coo",
                        "(0, 3)", "2x2");
  EXPECT_ERROR_CONTAINS(F::sparse_coo(idx({0, 1}), zeros({1}), 2, 2), "[2, nnz]");
  const auto a = F::sparse_coo(from_vector<int64_t>({0, 1}, {2, 1}), ones({1}), 2, 2);
  EXPECT_ERROR_CONTAINS(F::spmm(a, zeros({3, 2})), "spmm", "2x2", "[3, 2]");
  EXPECT_ERROR_CONTAINS(F::spmm(a, zeros({2, 2}, {.dtype = kFloat64})), "spmm", "f32");
}

// Sum, mean, max and softmax over a large random graph, at 1 and 2 threads, twice each: bitwise equal.
TEST(Sparse, DeterministicAcrossThreadCounts) {
  Generator g(3);
  const int64_t nodes = 2000, edges = 30000;
  const Tensor index = randint(0, nodes, {edges}, {.dtype = kInt64}, &g);
  const Tensor src = randn({edges, 16}, {}, &g);
  const Tensor dense = randn({nodes, 16}, {}, &g);
  const auto a = F::sparse_coo(ops::stack({index, randint(0, nodes, {edges}, {.dtype = kInt64}, &g)}),
                               randn({edges}, {}, &g), nodes, nodes);
  auto run = [&] {
    std::vector<std::vector<float>> r;
    for (auto reduce : {F::Reduce::Sum, F::Reduce::Mean, F::Reduce::Max})
      r.push_back(F::scatter_reduce(src, index, nodes, reduce).to_vector<float>());
    r.push_back(F::segment_softmax(src, index, nodes).to_vector<float>());
    r.push_back(F::spmm(a, dense).to_vector<float>());
    return r;
  };
  const int before = get_num_threads();
  set_num_threads(1);
  const auto one = run(), one_again = run();
  set_num_threads(2);
  const auto two = run(), two_again = run();
  set_num_threads(before);
  for (size_t i = 0; i < one.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(std::memcmp(one[i].data(), one_again[i].data(), one[i].size() * 4) == 0);
    EXPECT_TRUE(std::memcmp(one[i].data(), two[i].data(), one[i].size() * 4) == 0);
    EXPECT_TRUE(std::memcmp(two[i].data(), two_again[i].data(), one[i].size() * 4) == 0);
  }
}

}  // namespace
}  // namespace strata
