// The f32 matmul kernel's threading: products too small to pay for waking a second thread run on the
// calling thread, larger ones in parallel; both agree with the f64 product and leave the thread setting
// as it was.
#include "kernels/linalg.h"
#include "test_util.h"

namespace strata {
namespace {

void expect_matches_f64(const Tensor& a, const Tensor& b) {
  const Tensor got = ops::matmul(a, b);
  const Tensor want = ops::matmul(a.to(kFloat64), b.to(kFloat64));
  EXPECT_TRUE(allclose(got.to(kFloat64), want, 1e-4, 1e-4));
}

TEST(MatmulKernel, SmallAndLargeProductsKeepTheThreadSetting) {
  const int threads = get_num_threads();
  set_num_threads(2);
  Generator g(1);
  expect_matches_f64(randn({1, 400}, {}, &g), randn({400, 120}, {}, &g));  // below the serial bound
  EXPECT_EQ(get_num_threads(), 2);
  expect_matches_f64(randn({256, 300}, {}, &g), randn({300, 200}, {}, &g));  // above it
  EXPECT_EQ(get_num_threads(), 2);
  // Called from inside a parallel region (as from a parallel data loader): runs and changes nothing.
  Tensor results[2];
  const Tensor a = randn({8, 16}, {}, &g), b = randn({16, 4}, {}, &g);
#pragma omp parallel for num_threads(2)
  for (int i = 0; i < 2; ++i) results[i] = kernels::matmul(a, b, Tensor());
  EXPECT_TRUE(equal(results[0], results[1]));
  EXPECT_EQ(get_num_threads(), 2);
  set_num_threads(threads);
}

TEST(MatmulKernel, IntoWritesTheCallersBufferWithAnOptionalReluPostOp) {
  Generator g(4);
  const Tensor a = randn({7, 12}, {}, &g), w = randn({5, 12}, {}, &g), bias = randn({5}, {}, &g);
  const Tensor expected = kernels::matmul(a, w.t(), bias);
  Tensor out = zeros({7, 5});
  kernels::matmul_into(a, w.t(), bias, out, false);
  EXPECT_LT((out - expected).abs().max().item(), 1e-5);
  kernels::matmul_into(a, w.t(), bias, out, true);
  EXPECT_LT((out - expected.relu()).abs().max().item(), 1e-5);
  kernels::matmul_into(a.to(kFloat64), w.t().to(kFloat64), bias.to(kFloat64), out.to(kFloat64), true);
  EXPECT_ERROR_CONTAINS(kernels::matmul_into(a, w, bias, out, false), "matmul_into", "[7, 12]");
}

}  // namespace
}  // namespace strata
