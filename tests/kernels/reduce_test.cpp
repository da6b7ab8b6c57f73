// Reduction kernels called directly (no autograd): their contracts beyond what the ops expose, and the
// vectorisable exp that logsumexp and softmax are built on.
#include "kernels/reduce.h"

#include <cmath>
#include <limits>

#include "kernels/cpu/vec_exp.h"
#include "test_util.h"

namespace strata {
namespace {

using kernels::ReduceOp;

TEST(ReduceKernel, DimsInAnyOrderAndKeepdim) {
  const Tensor x = arange(24, {.dtype = kFloat64}).reshape({2, 3, 4});
  const Tensor a = kernels::reduce(ReduceOp::Sum, x, {2, 0}, false);
  const Tensor b = kernels::reduce(ReduceOp::Sum, x, {0, 2}, true);
  EXPECT_EQ(a.shape(), (Shape{3}));
  EXPECT_EQ(b.shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{60, 92, 124}));
  EXPECT_EQ(b.to_vector<double>(), a.to_vector<double>());
  EXPECT_TRUE(b.is_contiguous());
  EXPECT_EQ(kernels::reduce(ReduceOp::Mean, x, {1}, false).to_vector<double>()[0], 4.0);
  EXPECT_EQ(kernels::reduce(ReduceOp::Prod, x.slice(2, 1, 3), {}, false).item(),
            1.0 * 2 * 5 * 6 * 9 * 10 * 13 * 14 * 17 * 18 * 21 * 22);
}

TEST(ReduceKernel, VarCorrectionIsAnyNumber) {
  const Tensor x = from_vector<double>({1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(kernels::var(x, {}, 0.0, false, false).item(), 1.25);
  EXPECT_DOUBLE_EQ(kernels::var(x, {}, 2.0, false, false).item(), 2.5);
  EXPECT_DOUBLE_EQ(kernels::var(x, {}, 2.0, false, true).item(), std::sqrt(2.5));
  // N - correction <= 0 divides by zero.
  EXPECT_TRUE(std::isinf(kernels::var(x, {}, 4.0, false, false).item()));
}

TEST(ReduceKernel, RejectsWhatItCannotDo) {
  const Tensor i = arange(4, {.dtype = kInt64});
  try {
    kernels::reduce(ReduceOp::Mean, i, {}, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "mean: dtype i64 is not supported");
  }
  EXPECT_THROW(kernels::arg_reduce(ReduceOp::Sum, i, 0, false), Error);
  EXPECT_THROW(kernels::logsumexp(i, {}, false), Error);
  EXPECT_THROW(kernels::var(i, {}, 1.0, false, false), Error);
  try {
    kernels::reduce(ReduceOp::Min, zeros({3, 0}), {1}, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "min: cannot reduce over an empty dimension (shape [3, 0])");
  }
}

TEST(ReduceKernel, ArgReduceOnDenseAndCopiedLayouts) {
  // Dim 1 of a permuted [3, 4, 5] view is read in place; the slice with a step goes through a copy.
  Generator g(1);
  const Tensor base = randn({5, 3, 4}, {.dtype = kFloat64}, &g);
  for (const Tensor& x : {base.permute({1, 2, 0}), base.slice(0, 0, 5, 2).permute({1, 2, 0})}) {
    auto [v, idx] = kernels::arg_reduce(ReduceOp::Min, x, 1, true);
    EXPECT_EQ(idx.shape(), (Shape{3, 1, x.size(2)}));
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t k = 0; k < x.size(2); ++k) {
        int64_t best = 0;
        for (int64_t j = 1; j < 4; ++j) {
          if (x.at({i, j, k}) < x.at({i, best, k})) best = j;
        }
        EXPECT_EQ(idx.at({i, 0, k}), static_cast<double>(best));
        EXPECT_EQ(v.at({i, 0, k}), x.at({i, best, k}));
      }
    }
  }
}

// Error of the vectorisable exp in units in the last place of the correctly rounded result.
template <typename T>
double max_ulp_error(T lo, T hi, int steps) {
  double worst = 0;
  for (int i = 0; i <= steps; ++i) {
    const T x = static_cast<T>(lo + (hi - lo) * i / steps);
    const long double ref = std::exp(static_cast<long double>(x));
    const T r = static_cast<T>(ref);
    const double ulp = static_cast<double>(std::nextafter(r, std::numeric_limits<T>::infinity()) - r);
    worst = std::max(worst, static_cast<double>(std::fabs(kernels::cpu::vexp(x) - ref)) / ulp);
  }
  return worst;
}

TEST(VecExp, AccurateToAboutOneUlp) {
  EXPECT_LT(max_ulp_error<float>(-87.0f, 88.0f, 200000), 2.0);
  EXPECT_LT(max_ulp_error<float>(-1.0f, 1.0f, 200000), 2.0);
  EXPECT_LT(max_ulp_error<double>(-708.0, 709.0, 200000), 2.0);
  EXPECT_LT(max_ulp_error<double>(-1e-3, 1e-3, 200000), 2.0);
}

TEST(VecExp, SpecialValues) {
  using kernels::cpu::vexp;
  const float finf = std::numeric_limits<float>::infinity();
  const double dinf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(vexp(0.0f), 1.0f);
  EXPECT_EQ(vexp(0.0), 1.0);
  EXPECT_EQ(vexp(-finf), 0.0f);
  EXPECT_EQ(vexp(-dinf), 0.0);
  EXPECT_EQ(vexp(-200.0f), 0.0f);
  EXPECT_EQ(vexp(-1000.0), 0.0);
  EXPECT_EQ(vexp(finf), finf);
  EXPECT_EQ(vexp(dinf), dinf);
  EXPECT_EQ(vexp(100.0f), finf);
  EXPECT_EQ(vexp(800.0), dinf);
  EXPECT_TRUE(std::isnan(vexp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(vexp(std::numeric_limits<double>::quiet_NaN())));
}

}  // namespace
}  // namespace strata
