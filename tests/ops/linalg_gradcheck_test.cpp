// Gradient checks for matrix products: every matmul rank combination, broadcast batches,
// non-contiguous operands, mm, bmm, linear, and a second-order check.
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

Tensor matmul2(const Inputs& x) { return ops::matmul(x[0], x[1]); }

TEST(LinalgGradcheck, MatmulVectorCases) {
  EXPECT_GRADCHECK(matmul2, input({4}, 1), input({4}, 2));        // dot
  EXPECT_GRADCHECK(matmul2, input({3}, 1), input({3, 4}, 2));     // vector @ matrix
  EXPECT_GRADCHECK(matmul2, input({4, 3}, 1), input({3}, 2));     // matrix @ vector
  EXPECT_GRADCHECK(matmul2, input({3}, 1), input({2, 3, 4}, 2));  // vector @ batch
  EXPECT_GRADCHECK(matmul2, input({2, 4, 3}, 1), input({3}, 2));  // batch @ vector
}

TEST(LinalgGradcheck, MatmulMatrixAndBatched) {
  EXPECT_GRADCHECK(matmul2, input({2, 3}, 1), input({3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, input({2, 2, 3}, 1), input({2, 3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, input({2, 2, 3}, 1), input({3, 4}, 2));  // shared right operand
  EXPECT_GRADCHECK(matmul2, input({2, 3}, 1), input({2, 3, 4}, 2));  // shared left operand
}

TEST(LinalgGradcheck, MatmulBroadcastBatch) {
  EXPECT_GRADCHECK(matmul2, input({2, 1, 2, 3}, 1), input({1, 3, 3, 2}, 2));
  EXPECT_GRADCHECK(matmul2, input({1, 2, 3}, 1), input({3, 3, 2}, 2));
  EXPECT_GRADCHECK(matmul2, input({3, 1, 2, 3}, 1), input({2, 3, 2}, 2));
  // Stride-0 batch dims made inside fn.
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::matmul(x[0].expand({3, 2, 3}), x[1]);
      },
      input({1, 2, 3}, 1), input({3, 3, 2}, 2));
}

TEST(LinalgGradcheck, MatmulNonContiguous) {
  EXPECT_GRADCHECK(matmul2, transposed_input({2, 3}, 1), input({3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, input({2, 3}, 1), transposed_input({3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, strided_input({2, 3}, 1), transposed_input({3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, transposed_input({2, 2, 3}, 1), strided_input({2, 3, 4}, 2));
  EXPECT_GRADCHECK(matmul2, strided_input({4}, 1), transposed_input({4, 2}, 2));
  EXPECT_GRADCHECK(matmul2, transposed_input({2, 3, 4}, 1), transposed_input({4, 2}, 2));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return ops::matmul(x[0].permute({1, 0, 2}), x[1]);
      },
      input({3, 2, 4}, 1), input({2, 4, 3}, 2));
}

TEST(LinalgGradcheck, MmAndBmm) {
  auto mm = [](const Inputs& x) { return ops::mm(x[0], x[1]); };
  EXPECT_GRADCHECK(mm, input({3, 4}, 1), input({4, 2}, 2));
  EXPECT_GRADCHECK(mm, transposed_input({3, 4}, 1), strided_input({4, 2}, 2));
  auto bmm = [](const Inputs& x) { return ops::bmm(x[0], x[1]); };
  EXPECT_GRADCHECK(bmm, input({2, 3, 4}, 1), input({2, 4, 2}, 2));
  EXPECT_GRADCHECK(bmm, strided_input({2, 3, 4}, 1), transposed_input({2, 4, 2}, 2));
}

TEST(LinalgGradcheck, Linear) {
  auto lin = [](const Inputs& x) { return ops::linear(x[0], x[1]); };
  auto lin_b = [](const Inputs& x) { return ops::linear(x[0], x[1], x[2]); };
  EXPECT_GRADCHECK(lin, input({3, 4}, 1), input({2, 4}, 2));
  EXPECT_GRADCHECK(lin_b, input({3, 4}, 1), input({2, 4}, 2), input({2}, 3));
  EXPECT_GRADCHECK(lin_b, input({2, 3, 4}, 1), input({2, 4}, 2), input({2}, 3));  // 3-D input
  EXPECT_GRADCHECK(lin_b, input({4}, 1), input({2, 4}, 2), input({2}, 3));        // 1-D input
  EXPECT_GRADCHECK(lin_b, transposed_input({2, 3, 4}, 1), transposed_input({2, 4}, 2), strided_input({2}, 3));
  EXPECT_GRADCHECK(lin, strided_input({3, 4}, 1), input({2, 4}, 2));
  // Only some inputs need gradients.
  Tensor w_fixed = input({2, 4}, 2).detach();
  EXPECT_GRADCHECK([w_fixed](const Inputs& x) { return ops::linear(x[0], w_fixed, x[1]); }, input({3, 4}, 1),
                   input({2}, 3));
}

TEST(LinalgGradcheck, SecondOrder) {
  // Backward rules are ops: the gradient of a matmul can be differentiated again.
  auto f = [](const Inputs& x) {
    Tensor y = ops::matmul(x[0], x[1]);
    Tensor g = autograd::grad((y * y).sum(), {x[0]}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    return g;
  };
  EXPECT_GRADCHECK(f, input({2, 3}, 1), input({3, 2}, 2));
  auto h = [](const Inputs& x) {
    Tensor y = ops::linear(x[0], x[1], x[2]);
    return autograd::grad((y * y).sum(), {x[1]}, {}, true, true)[0];
  };
  EXPECT_GRADCHECK(h, input({2, 2, 3}, 1), input({2, 3}, 2), input({2}, 3));
}

}  // namespace
}  // namespace strata
