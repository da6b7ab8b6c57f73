// Gradient checks for reductions: several dim sets, keepdim, contiguous and non-contiguous inputs, ties,
// zeros in products, and second-order checks through the backward rules.
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

const std::vector<Shape>& dim_sets() {
  static const std::vector<Shape> sets = {{}, {0}, {-1}, {0, 2}, {1, 2}};
  return sets;
}

// The gradient of fn's sum, recorded so it can be checked again (second order).
Tensor grad_of(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x) {
  // Weights make every output element matter differently.
  Tensor y = fn(x);
  Tensor w = arange(static_cast<double>(y.numel()), {.dtype = kFloat64}).reshape(y.shape()) * 0.3 + 0.5;
  return autograd::grad((y * w).sum(), {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

TEST(ReductionGradcheck, Sum) {
  for (const Shape& dims : dim_sets()) {
    SCOPED_TRACE(dims.str());
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::sum(x[0], dims); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::sum(x[0], dims, true); }, strided_input({2, 3, 4}));
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].sum(); }, transposed_input({3, 4}));
}

TEST(ReductionGradcheck, Mean) {
  for (const Shape& dims : dim_sets()) {
    SCOPED_TRACE(dims.str());
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::mean(x[0], dims); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::mean(x[0], dims, true); }, transposed_input({2, 4, 3}));
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return x[0].mean(); }, strided_input({3, 2}));
}

TEST(ReductionGradcheck, VarAndStd) {
  for (const Shape& dims : dim_sets()) {
    for (bool unbiased : {true, false}) {
      SCOPED_TRACE(dims.str() + (unbiased ? " unbiased" : " biased"));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::var(x[0], dims, unbiased); }, input({2, 3, 4}));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::std(x[0], dims, unbiased, true); },
                       transposed_input({2, 4, 3}));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::std(x[0], dims, unbiased); },
                       strided_input({2, 3, 4}));
    }
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return F::var(x[0]); }, input({5}));
  EXPECT_GRADCHECK([](const Inputs& x) { return F::std(x[0], false); }, input({5}));
}

TEST(ReductionGradcheck, Prod) {
  EXPECT_GRADCHECK([](const Inputs& x) { return F::prod(x[0]); }, input({2, 3}, 1, 0.5, 1.5));
  for (int64_t dim : {0, 1, -1}) {
    SCOPED_TRACE(dim);
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::prod(x[0], dim); }, input({2, 3, 4}, 2));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::prod(x[0], dim, true); },
                     transposed_input({3, 4, 2}, 3));
  }
}

TEST(ReductionGradcheck, ProdWithZeros) {
  // One zero in a slice: the zero gets the product of the others, the rest get 0. Two zeros: all 0.
  Tensor one_zero = input({3, 4}, 4);
  {
    NoGradGuard ng;
    one_zero.set_at({1, 2}, 0.0);
    one_zero.set_at({0, 0}, 0.0);
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return F::prod(x[0], 1); }, one_zero);
  EXPECT_GRADCHECK([](const Inputs& x) { return F::prod(x[0], 0, true); }, one_zero);
  Tensor two_zeros = input({2, 4}, 5);
  {
    NoGradGuard ng;
    two_zeros.set_at({0, 1}, 0.0);
    two_zeros.set_at({0, 3}, 0.0);
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return F::prod(x[0], 1); }, two_zeros);
  Tensor single = from_vector<double>({2.0, 0.0, 3.0}).requires_grad_();
  EXPECT_GRADCHECK([](const Inputs& x) { return F::prod(x[0]); }, single);
  // Hand check: d prod / dx = [0, 6, 0].
  Tensor y = F::prod(single);
  y.backward();
  EXPECT_EQ(single.grad().to_vector<double>(), (std::vector<double>{0, 6, 0}));
}

TEST(ReductionGradcheck, MaxMinAllAndTies) {
  EXPECT_GRADCHECK([](const Inputs& x) { return F::max(x[0]); }, input({3, 4}));
  EXPECT_GRADCHECK([](const Inputs& x) { return F::min(x[0]); }, transposed_input({3, 4}));
  // Two tied maxima: central differences see half the gradient on each, as autograd shares it.
  Tensor tied = from_vector<double>({1, 5, 2, 5}).requires_grad_();
  EXPECT_GRADCHECK([](const Inputs& x) { return F::max(x[0]); }, tied);
  // Three ties share evenly.
  Tensor t3 = from_vector<double>({4, 4, 1, 4}).requires_grad_();
  F::max(t3).backward();
  const std::vector<double> g = t3.grad().to_vector<double>();
  EXPECT_NEAR(g[0], 1.0 / 3, 1e-15);
  EXPECT_EQ(g[2], 0.0);
  EXPECT_NEAR(g[3], 1.0 / 3, 1e-15);
}

TEST(ReductionGradcheck, AmaxAmin) {
  for (const Shape& dims : dim_sets()) {
    SCOPED_TRACE(dims.str());
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::amax(x[0], dims); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::amin(x[0], dims, true); }, strided_input({2, 3, 4}));
  }
  Tensor tied = from_vector<double>({2, 7, 7, 1, 3, 3}, {2, 3}).requires_grad_();
  EXPECT_GRADCHECK([](const Inputs& x) { return F::amax(x[0], {1}); }, tied);
}

TEST(ReductionGradcheck, MaxMinAlongDim) {
  for (int64_t dim : {0, 1, 2, -1}) {
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(std::to_string(dim) + (keepdim ? " keepdim" : ""));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::max(x[0], dim, keepdim).values; }, input({2, 3, 4}));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::min(x[0], dim, keepdim).values; },
                       transposed_input({2, 4, 3}));
    }
  }
  // With ties the whole gradient goes to the first occurrence (the returned index).
  Tensor tied = from_vector<double>({1, 9, 9, 3}, {2, 2}).requires_grad_();
  F::max(tied, 1).values.sum().backward();
  EXPECT_EQ(tied.grad().to_vector<double>(), (std::vector<double>{0, 1, 1, 0}));
  Tensor row = from_vector<double>({9, 9, 1}).requires_grad_();
  F::max(row, 0).values.backward();
  EXPECT_EQ(row.grad().to_vector<double>(), (std::vector<double>{1, 0, 0}));
}

TEST(ReductionGradcheck, LogSumExp) {
  for (const Shape& dims : dim_sets()) {
    SCOPED_TRACE(dims.str());
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::logsumexp(x[0], dims); }, input({2, 3, 4}));
    EXPECT_GRADCHECK([&](const Inputs& x) { return F::logsumexp(x[0], dims, true); },
                     transposed_input({2, 4, 3}));
  }
  // Large inputs: the gradient is the softmax, with no overflow.
  Tensor big = from_vector<double>({1000, 1000, 999}).requires_grad_();
  F::logsumexp(big, {0}).backward();
  const std::vector<double> g = big.grad().to_vector<double>();
  const double e = std::exp(-1.0), denom = 2 + e;
  EXPECT_NEAR(g[0], 1 / denom, 1e-12);
  EXPECT_NEAR(g[2], e / denom, 1e-12);
}

TEST(ReductionGradcheck, Norm) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, 3.0, 1.5, inf, -inf}) {
    for (const Shape& dims : dim_sets()) {
      SCOPED_TRACE(std::to_string(p) + " " + dims.str());
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::norm(x[0], p, dims); }, input({2, 3, 4}));
      EXPECT_GRADCHECK([&](const Inputs& x) { return F::norm(x[0], p, dims, true); },
                       strided_input({2, 3, 4}));
    }
  }
  EXPECT_GRADCHECK([](const Inputs& x) { return F::norm(x[0]); }, transposed_input({3, 4}));
  // The 2-norm of zeros has gradient 0 (not NaN), like PyTorch.
  Tensor z = zeros({3}, {.dtype = kFloat64}).requires_grad_();
  F::norm(z).backward();
  EXPECT_EQ(z.grad().to_vector<double>(), (std::vector<double>{0, 0, 0}));
  // p = 0 counts nonzeros: zero gradient.
  Tensor c = input({4});
  F::norm(c, 0).backward();
  EXPECT_EQ(c.grad().to_vector<double>(), (std::vector<double>{0, 0, 0, 0}));
}

TEST(ReductionGradcheck, SecondOrder) {
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::var(t, Shape{1}); }, x[0]); },
      input({3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        return grad_of([](const Tensor& t) { return F::std(t, {0}, true, true); }, x[0]);
      },
      transposed_input({3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::logsumexp(t, {-1}); }, x[0]); },
      input({3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::norm(t, 2, {1}); }, x[0]); },
      input({3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::norm(t, 3.0, {0}); }, x[0]); },
      input({3, 4}));
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::prod(t, 1); }, x[0]); },
      input({3, 4}, 2, 0.5, 1.5));
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return grad_of([](const Tensor& t) { return F::mean(t, {0}); }, x[0]); },
      input({3, 4}));
}

}  // namespace
}  // namespace strata
