// Gradient checks for the sparse and segment ops: spmm in the values and the dense matrix, every reduction
// of scatter_reduce (sorted and unsorted index, empty segments, trailing dims), and the segment softmax.
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using Inputs = std::vector<Tensor>;

Tensor idx(const std::vector<int64_t>& v) { return from_vector<int64_t>(v); }

TEST(SparseGradcheck, SpmmValuesAndDense) {
  const Tensor indices = from_vector<int64_t>({0, 2, 2, 1, 3, 0, 0, 1, 4, 1, 2, 0}, {2, 6});
  auto f = [indices](const Inputs& x) { return F::spmm(F::sparse_coo(indices, x[0], 4, 5), x[1]); };
  EXPECT_GRADCHECK(f, input({6}, 1), input({5, 3}, 2));
  EXPECT_GRADCHECK(f, input({6}, 3), strided_input({5, 3}, 4));
}

TEST(SparseGradcheck, SpmmSecondOrder) {
  const Tensor indices = from_vector<int64_t>({0, 1, 1, 2, 2, 0, 1, 0}, {2, 4});
  auto f = [indices](const Inputs& x) {
    const Tensor y = F::spmm(F::sparse_coo(indices, x[0], 3, 3), x[1]);
    return autograd::grad((y * y).sum(), {x[1]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(f, input({4}, 5), input({3, 2}, 6));
}

TEST(SparseGradcheck, ScatterReduce) {
  const Tensor unsorted = idx({2, 0, 2, 1, 0, 2, 4});  // segment 3 stays empty
  for (auto reduce : {F::Reduce::Sum, F::Reduce::Mean, F::Reduce::Max}) {
    SCOPED_TRACE(F::to_string(reduce));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::scatter_reduce(x[0], unsorted, 5, reduce); },
                     input({7, 3}, 7));
    EXPECT_GRADCHECK(
        [&](const Inputs& x) {
          return F::scatter_reduce(x[0], idx({0, 0, 1, 1, 1}), 2, reduce);
        },
        strided_input({5, 2}, 8));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::scatter_reduce(x[0], unsorted, 5, reduce); },
                     input({7, 2, 2}, 9));
  }
}

TEST(SparseGradcheck, SegmentSoftmax) {
  const Tensor index = idx({1, 0, 1, 1, 2, 0, 3});
  EXPECT_GRADCHECK([&](const Inputs& x) { return F::segment_softmax(x[0], index, 4); }, input({7}, 10));
  EXPECT_GRADCHECK([&](const Inputs& x) { return F::segment_softmax(x[0], index, 5); }, input({7, 3}, 11));
}

TEST(SparseGradcheck, ToDense) {
  const Tensor indices = from_vector<int64_t>({0, 1, 1, 0, 2, 0}, {2, 3});
  EXPECT_GRADCHECK([&](const Inputs& x) { return F::to_dense(F::sparse_coo(indices, x[0], 2, 3)); },
                   input({3}, 12));
}

}  // namespace
}  // namespace strata
