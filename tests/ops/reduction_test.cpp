// Reductions: hand-computed values, dims handling (negative, keepdim, repeated), dtypes, empty and 0-dim
// inputs, error messages, and every memory layout the kernel plans for, checked against a brute-force
// reference (including inputs large enough to take the parallel paths).
#include <cmath>
#include <functional>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using Values = std::vector<double>;

void expect_values(const Tensor& t, const Values& want, double tol = 1e-6) {
  const Values got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << " is " << got[i];
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
    }
  }
}

// [[0, 1, 2], [3, 4, 5]] as f32.
Tensor x23() { return arange(6).reshape({2, 3}); }

// ---- brute-force reference ------------------------------------------------------------------------

using Reducer = std::function<double(const Values&)>;

// Groups the elements of x by output position (reduced dims in row-major order) and applies fn.
Values reference(const Tensor& x, const Shape& dims, const Reducer& fn) {
  const Values v = x.to_vector<double>();
  std::array<bool, kMaxDims> reduced{};
  if (dims.empty()) reduced.fill(true);
  for (int64_t d : dims) reduced[wrap_dim(d, x.dim(), "test")] = true;
  int64_t outputs = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!reduced[d]) outputs *= x.size(d);
  }
  std::vector<Values> groups(static_cast<size_t>(outputs));
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, out = 0, scale = 1;
    for (int64_t d = x.dim() - 1; d >= 0; --d) {
      const int64_t idx = rem % x.size(d);
      rem /= x.size(d);
      if (!reduced[d]) {
        out += idx * scale;
        scale *= x.size(d);
      }
    }
    groups[out].push_back(v[i]);
  }
  Values r;
  for (const Values& g : groups) r.push_back(fn(g));
  return r;
}

double ref_sum(const Values& g) {
  double s = 0;
  for (double v : g) s += v;
  return s;
}
double ref_mean(const Values& g) { return ref_sum(g) / static_cast<double>(g.size()); }
double ref_var(const Values& g) {
  const double m = ref_mean(g);
  double s = 0;
  for (double v : g) s += (v - m) * (v - m);
  return s / static_cast<double>(g.size() - 1);
}
double ref_prod(const Values& g) {
  double p = 1;
  for (double v : g) p *= v;
  return p;
}
double ref_max(const Values& g) { return *std::max_element(g.begin(), g.end()); }
double ref_min(const Values& g) { return *std::min_element(g.begin(), g.end()); }
double ref_argmax(const Values& g) {
  return static_cast<double>(std::max_element(g.begin(), g.end()) - g.begin());
}
double ref_argmin(const Values& g) {
  return static_cast<double>(std::min_element(g.begin(), g.end()) - g.begin());
}
double ref_logsumexp(const Values& g) {
  double s = 0;
  for (double v : g) s += std::exp(v);
  return std::log(s);
}
Reducer ref_norm(double p) {
  return [p](const Values& g) {
    double s = 0;
    for (double v : g) s += std::pow(std::abs(v), p);
    return std::pow(s, 1.0 / p);
  };
}
double ref_norm_inf(const Values& g) {
  double s = 0;
  for (double v : g) s = std::max(s, std::abs(v));
  return s;
}

// Views of one f64 tensor with different memory layouts, all of shape [4, 5, 6].
std::vector<std::pair<std::string, Tensor>> layouts() {
  Generator g(3);
  const Tensor base = randn({4, 5, 6}, {.dtype = kFloat64}, &g);
  return {
      {"contiguous", base},
      {"transposed", randn({6, 5, 4}, {.dtype = kFloat64}, &g).permute({2, 1, 0})},
      {"permuted", randn({5, 6, 4}, {.dtype = kFloat64}, &g).permute({2, 0, 1})},
      {"sliced", randn({8, 5, 6}, {.dtype = kFloat64}, &g).slice(0, 0, 8, 2)},
      {"inner_sliced", randn({4, 5, 12}, {.dtype = kFloat64}, &g).slice(2, 1, 12, 2)},
      {"expanded", randn({4, 1, 6}, {.dtype = kFloat64}, &g).expand({4, 5, 6})},
  };
}

const std::vector<Shape>& dim_sets() {
  static const std::vector<Shape> sets = {{}, {0}, {1}, {2}, {-1}, {0, 1}, {0, 2}, {1, 2}, {2, 0, 1}};
  return sets;
}

// ---- sum --------------------------------------------------------------------------------------------

TEST(Reduction, SumValuesDimsAndKeepdim) {
  const Tensor x = x23();
  EXPECT_EQ(F::sum(x).dim(), 0);
  EXPECT_EQ(F::sum(x).item(), 15.0);
  expect_values(F::sum(x, {0}), {3, 5, 7});
  expect_values(F::sum(x, {1}), {3, 12});
  expect_values(F::sum(x, {-1}), {3, 12});
  expect_values(F::sum(x, {-2, -1}), {15});
  EXPECT_EQ(F::sum(x, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(F::sum(x, {0, 1}, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(x.sum({0}, true).shape(), (Shape{1, 3}));
  EXPECT_EQ(x.sum().item(), 15.0);
  // Dims in any order.
  const Tensor y = arange(24).reshape({2, 3, 4});
  expect_values(F::sum(y, {2, 0}), {60, 92, 124});
  expect_values(F::sum(y, {1}), {12, 15, 18, 21, 48, 51, 54, 57});
}

TEST(Reduction, SumNonContiguousAndDtypes) {
  const Tensor t = x23().t();  // [[0, 3], [1, 4], [2, 5]]
  expect_values(F::sum(t, {0}), {3, 12});
  expect_values(F::sum(t, {1}), {3, 5, 7});
  const Tensor d = x23().to(kFloat64);
  EXPECT_EQ(F::sum(d, {0}).dtype(), kFloat64);
  expect_values(F::sum(d, {0}), {3, 5, 7});
  const Tensor i = from_vector<int64_t>({1, -2, 3, 4000000000000LL}, {2, 2});
  EXPECT_EQ(F::sum(i).dtype(), kInt64);
  EXPECT_EQ(F::sum(i).to_vector<int64_t>(), (std::vector<int64_t>{4000000000002LL}));
  // u8 sums widen to i64 (like PyTorch) instead of wrapping at 256.
  const Tensor u = full({300}, 200, {.dtype = kUInt8});
  EXPECT_EQ(F::sum(u).dtype(), kInt64);
  EXPECT_EQ(F::sum(u).item(), 60000.0);
}

TEST(Reduction, SumOfF32AccumulatesInF64) {
  // 2^24 + 1 ones: an f32 accumulator would stop at 2^24.
  const Tensor x = ones({(1 << 24) + 2});
  EXPECT_EQ(F::sum(x).item(), static_cast<double>((1 << 24) + 2));
}

TEST(Reduction, EmptyAndZeroDim) {
  EXPECT_EQ(F::sum(zeros({0})).item(), 0.0);
  expect_values(F::sum(zeros({2, 0}), {1}), {0, 0});
  EXPECT_EQ(F::sum(zeros({0, 3}), {1}).shape(), (Shape{0}));
  EXPECT_EQ(F::prod(zeros({0})).item(), 1.0);
  EXPECT_TRUE(std::isnan(F::mean(zeros({0})).item()));
  const Tensor s = scalar_tensor(2.5);
  EXPECT_EQ(F::sum(s).item(), 2.5);
  EXPECT_EQ(F::sum(s, {0}).dim(), 0);
  EXPECT_EQ(F::sum(s, {-1}, true).dim(), 0);
  EXPECT_EQ(F::mean(s).item(), 2.5);
  EXPECT_EQ(F::max(s).item(), 2.5);
  EXPECT_EQ(F::prod(s, 0).item(), 2.5);
  auto [v, i] = F::max(s, 0);
  EXPECT_EQ(v.item(), 2.5);
  EXPECT_EQ(i.item(), 0.0);
  EXPECT_EQ(F::argmax(s).item(), 0.0);
  EXPECT_EQ(F::logsumexp(s, {0}).item(), 2.5);
  EXPECT_EQ(F::norm(scalar_tensor(-3.0)).item(), 3.0);
  EXPECT_TRUE(std::isnan(F::var(s).item()));  // N - 1 = 0
  EXPECT_EQ(F::var(s, false).item(), 0.0);
}

// ---- mean, var, std ----------------------------------------------------------------------------------

TEST(Reduction, Mean) {
  const Tensor x = x23();
  EXPECT_EQ(F::mean(x).item(), 2.5);
  EXPECT_EQ(x.mean().item(), 2.5);
  expect_values(F::mean(x, {0}), {1.5, 2.5, 3.5});
  expect_values(x.mean({-1}, true), {1, 4});
  EXPECT_EQ(x.mean({-1}, true).shape(), (Shape{2, 1}));
  expect_values(F::mean(x.t().to(kFloat64), {1}), {1.5, 2.5, 3.5}, 1e-15);
  EXPECT_EQ(F::mean(x.to(kFloat64)).dtype(), kFloat64);
}

TEST(Reduction, VarAndStd) {
  const Tensor x = from_vector<double>({1, 2, 3, 4, 2, 2, 2, 2}, {2, 4});
  expect_values(F::var(x, Shape{1}), {5.0 / 3.0, 0.0}, 1e-15);
  expect_values(F::var(x, Shape{1}, false), {1.25, 0.0}, 1e-15);
  expect_values(F::std(x, Shape{1}), {std::sqrt(5.0 / 3.0), 0.0}, 1e-15);
  expect_values(F::std(x, Shape{-1}, false, true), {std::sqrt(1.25), 0.0}, 1e-15);
  EXPECT_EQ(F::std(x, Shape{-1}, false, true).shape(), (Shape{2, 1}));
  expect_values(F::var(x, Shape{0}), {0.5, 0.0, 0.5, 2.0}, 1e-15);
  // All elements: mean 2.25, squared deviations sum 5.5.
  EXPECT_NEAR(F::var(x).item(), 5.5 / 7.0, 1e-15);
  EXPECT_NEAR(F::var(x, false).item(), 5.5 / 8.0, 1e-15);
  EXPECT_NEAR(F::std(x).item(), std::sqrt(5.5 / 7.0), 1e-15);
  EXPECT_NEAR(F::std(x, false).item(), std::sqrt(5.5 / 8.0), 1e-15);
  // Two passes keep precision when the mean is large compared with the spread.
  const Tensor big = from_vector<float>({1e6f + 1, 1e6f + 2, 1e6f + 3});
  EXPECT_NEAR(F::var(big).item(), 1.0, 1e-6);
  EXPECT_EQ(F::var(big).dtype(), kFloat32);
  // One element per output: the unbiased variance divides by zero (NaN, like PyTorch).
  EXPECT_TRUE(std::isnan(F::var(from_vector<double>({3.0})).item()));
  EXPECT_TRUE(std::isnan(F::std(x.reshape({8, 1}), Shape{1}).at({5})));
}

TEST(Reduction, IntegralInputsAreRefusedWhereTorchRefuses) {
  const Tensor i = arange(6, {.dtype = kInt64});
  EXPECT_ERROR_CONTAINS(F::mean(i), "mean: expected a floating point tensor, got i64 of shape [6]");
  EXPECT_ERROR_CONTAINS(F::var(i), "var: expected a floating point tensor, got i64");
  EXPECT_ERROR_CONTAINS(F::std(i, Shape{0}), "std: expected a floating point tensor");
  EXPECT_ERROR_CONTAINS(F::norm(i), "norm: expected a floating point tensor");
  // logsumexp computes integral inputs in f32, like PyTorch.
  const Tensor l = F::logsumexp(from_vector<int64_t>({0, 0}), {0});
  EXPECT_EQ(l.dtype(), kFloat32);
  EXPECT_NEAR(l.item(), std::log(2.0), 1e-6);
}

// ---- prod ----------------------------------------------------------------------------------------------

TEST(Reduction, Prod) {
  const Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(F::prod(x).item(), 720.0);
  expect_values(F::prod(x, 0), {4, 10, 18});
  expect_values(F::prod(x, -1), {6, 120});
  EXPECT_EQ(F::prod(x, 1, true).shape(), (Shape{2, 1}));
  expect_values(F::prod(x.t(), 1), {4, 10, 18});
  const Tensor i = from_vector<int64_t>({2, 3, 7});
  EXPECT_EQ(F::prod(i).dtype(), kInt64);
  EXPECT_EQ(F::prod(i).item(), 42.0);
  EXPECT_EQ(F::prod(full({3}, 10, {.dtype = kUInt8})).item(), 1000.0);
  EXPECT_EQ(F::prod(from_vector<double>({3, 0, 2})).item(), 0.0);
}

// ---- max, min, amax, amin, argmax, argmin ----------------------------------------------------------------

TEST(Reduction, MaxMinAll) {
  const Tensor x = from_vector<float>({3, -1, 7, 7, 0, -5}, {2, 3});
  EXPECT_EQ(F::max(x).item(), 7.0);
  EXPECT_EQ(F::min(x).item(), -5.0);
  EXPECT_EQ(x.max().item(), 7.0);
  EXPECT_EQ(x.min().item(), -5.0);
  EXPECT_EQ(F::max(x.t()).item(), 7.0);
  EXPECT_EQ(F::max(from_vector<int64_t>({-4, -9})).item(), -4.0);
  EXPECT_EQ(F::min(full({2}, 255, {.dtype = kUInt8})).item(), 255.0);
  EXPECT_EQ(F::max(full({2}, 255, {.dtype = kUInt8})).dtype(), kUInt8);
  // NaN propagates (like PyTorch).
  EXPECT_TRUE(std::isnan(F::max(from_vector<float>({1, NAN, 3})).item()));
  EXPECT_TRUE(std::isnan(F::min(from_vector<double>({1, 2, NAN})).item()));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(F::max(from_vector<float>({-inf, -inf})).item(), -inf);
}

TEST(Reduction, MaxMinAlongDimReturnFirstIndex) {
  const Tensor x = from_vector<float>({3, 9, 9, 1, 4, 4, 0, 4}, {2, 4});
  auto [v, i] = F::max(x, 1);
  expect_values(v, {9, 4});
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  auto [vmin, imin] = F::min(x, -1, true);
  EXPECT_EQ(vmin.shape(), (Shape{2, 1}));
  expect_values(vmin, {1, 0});
  EXPECT_EQ(imin.shape(), (Shape{2, 1}));
  EXPECT_EQ(imin.to_vector<int64_t>(), (std::vector<int64_t>{3, 2}));
  auto [v0, i0] = F::max(x, 0);
  expect_values(v0, {4, 9, 9, 4});
  EXPECT_EQ(i0.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1}));
  // Non-contiguous input: the transpose.
  auto [vt, it] = F::max(x.t(), 0);
  expect_values(vt, {9, 4});
  EXPECT_EQ(it.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  // NaN counts as the max and as the min.
  auto [vn, in] = F::max(from_vector<double>({1, NAN, 5, NAN}), 0);
  EXPECT_TRUE(std::isnan(vn.item()));
  EXPECT_EQ(in.item(), 1.0);
  EXPECT_EQ(F::min(from_vector<double>({1, -2, NAN}), 0).indices.item(), 2.0);
}

TEST(Reduction, AmaxAmin) {
  const Tensor y = arange(24).reshape({2, 3, 4});
  expect_values(F::amax(y, {0, 2}), {15, 19, 23});
  expect_values(F::amin(y, {-1}), {0, 4, 8, 12, 16, 20});
  EXPECT_EQ(F::amax(y, {1}, true).shape(), (Shape{2, 1, 4}));
  expect_values(F::amax(y, {}), {23});
}

TEST(Reduction, ArgmaxArgmin) {
  const Tensor x = from_vector<float>({3, 9, 9, 1, 4, 4, 0, 4}, {2, 4});
  EXPECT_EQ(F::argmax(x).dim(), 0);
  EXPECT_EQ(F::argmax(x).item(), 1.0);
  EXPECT_EQ(x.argmax().item(), 1.0);
  EXPECT_EQ(F::argmin(x).item(), 6.0);
  EXPECT_EQ(F::argmax(x.t()).item(), 2.0);  // flattened transpose: [3, 4, 9, 4, 9, 0, 1, 4]
  EXPECT_EQ(F::argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(x.argmax(0, true).shape(), (Shape{1, 4}));
  EXPECT_EQ(x.argmax(0, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(F::argmin(x, -1).to_vector<int64_t>(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(F::argmax(from_vector<int64_t>({-5, 8, 8})).item(), 1.0);
  EXPECT_EQ(F::argmax(from_vector<float>({1, NAN, 3, NAN})).item(), 1.0);
  // Not differentiable: no graph.
  Tensor r = x.detach().requires_grad_();
  EXPECT_FALSE(F::argmax(r).requires_grad());
  EXPECT_FALSE(F::max(r, 0).indices.requires_grad());
}

// ---- logsumexp, norm ------------------------------------------------------------------------------------

TEST(Reduction, LogSumExp) {
  const Tensor x = from_vector<double>({0, std::log(3.0), 1, 1}, {2, 2});
  expect_values(F::logsumexp(x, {1}), {std::log(4.0), 1 + std::log(2.0)}, 1e-14);
  expect_values(F::logsumexp(x, {}), {std::log(4 + 2 * std::exp(1.0))}, 1e-14);
  EXPECT_EQ(F::logsumexp(x, {0}, true).shape(), (Shape{1, 2}));
  // Large inputs: exp(1000) overflows, the shifted form does not.
  const Tensor big = from_vector<float>({1000, 1000, -1000});
  EXPECT_NEAR(F::logsumexp(big, {0}).item(), 1000 + std::log(2.0), 1e-3);
  const Tensor small = from_vector<double>({-1000, -1000});
  EXPECT_NEAR(F::logsumexp(small, {0}).item(), -1000 + std::log(2.0), 1e-12);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(F::logsumexp(from_vector<double>({-inf, -inf}), {0}).item(), -inf);
  EXPECT_EQ(F::logsumexp(from_vector<double>({1, inf}), {0}).item(), inf);
  EXPECT_EQ(F::logsumexp(zeros({2, 0}), {1}).to_vector<float>(), (std::vector<float>{-INFINITY, -INFINITY}));
}

TEST(Reduction, Norm) {
  const Tensor x = from_vector<double>({3, -4, 0, 1, 2, -2}, {2, 3});
  EXPECT_NEAR(F::norm(x).item(), std::sqrt(34.0), 1e-14);
  expect_values(F::norm(x, 2, {1}), {5, 3}, 1e-14);
  expect_values(F::norm(x, 1, {1}), {7, 5}, 1e-14);
  expect_values(F::norm(x, 1, {0}, true), {4, 6, 2}, 1e-14);
  EXPECT_EQ(F::norm(x, 1, {0}, true).shape(), (Shape{1, 3}));
  expect_values(F::norm(x, 3, {1}), {std::cbrt(91.0), std::cbrt(17.0)}, 1e-14);
  const double inf = std::numeric_limits<double>::infinity();
  expect_values(F::norm(x, inf, {1}), {4, 2});
  expect_values(F::norm(x, -inf, {1}), {0, 1});
  expect_values(F::norm(x, 0, {1}), {2, 3});
  expect_values(F::norm(x.t(), 2, {0}), {5, 3}, 1e-14);
  EXPECT_EQ(F::norm(zeros({0})).item(), 0.0);
  EXPECT_EQ(F::norm(ones({4}), 2).dtype(), kFloat32);
}

// ---- errors ---------------------------------------------------------------------------------------------

TEST(Reduction, BadDimsAreReported) {
  const Tensor x = zeros({2, 3});
  EXPECT_ERROR_CONTAINS(F::sum(x, {2}), "sum: dim 2 is out of range for a tensor with 2 dims");
  EXPECT_ERROR_CONTAINS(F::mean(x, {-3}), "mean: dim -3 is out of range");
  EXPECT_ERROR_CONTAINS(F::sum(x, {1, -1}), "sum: dim 1 appears more than once in [1, -1]");
  EXPECT_ERROR_CONTAINS(F::amax(x, {0, 0}), "amax: dim 0 appears more than once");
  EXPECT_ERROR_CONTAINS(F::var(x, Shape{0, -2}), "var: dim 0 appears more than once");
  EXPECT_ERROR_CONTAINS(F::max(x, 2), "max: dim 2 is out of range");
  EXPECT_ERROR_CONTAINS(F::argmin(x, -3), "argmin: dim -3 is out of range");
  EXPECT_ERROR_CONTAINS(F::prod(x, 5), "prod: dim 5 is out of range");
  EXPECT_ERROR_CONTAINS(F::logsumexp(x, {3}), "logsumexp: dim 3 is out of range");
  EXPECT_ERROR_CONTAINS(F::norm(x, 2, {0, 0}), "norm: dim 0 appears more than once");
  EXPECT_ERROR_CONTAINS(F::sum(Tensor()), "sum: undefined tensor argument");
}

TEST(Reduction, EmptyMaxIsAnError) {
  EXPECT_ERROR_CONTAINS(F::max(zeros({0})), "max: cannot reduce over an empty dimension (input of shape [0]");
  EXPECT_ERROR_CONTAINS(F::min(zeros({2, 0})), "min: cannot reduce over an empty dimension");
  EXPECT_ERROR_CONTAINS(F::amax(zeros({2, 0}), {1}), "amax: cannot reduce over an empty dimension");
  EXPECT_ERROR_CONTAINS(F::max(zeros({2, 0}), 1),
                        "max: cannot reduce over dim 1 of size 0 (input of shape [2, 0])");
  EXPECT_ERROR_CONTAINS(F::argmax(zeros({0})), "argmax: cannot take the argmax of an empty tensor");
  EXPECT_ERROR_CONTAINS(F::argmin(zeros({3, 0}), 1), "argmin: cannot reduce over dim 1 of size 0");
  EXPECT_ERROR_CONTAINS(F::norm(zeros({0}), std::numeric_limits<double>::infinity()),
                        "norm: cannot reduce over an empty dimension");
  // Reducing a non-empty dim of an empty tensor is fine.
  EXPECT_EQ(F::amax(zeros({0, 3}), {1}).shape(), (Shape{0}));
  EXPECT_EQ(F::max(zeros({0, 3}), 1).indices.shape(), (Shape{0}));
}

// ---- every layout against the reference -------------------------------------------------------------------

TEST(Reduction, AllLayoutsAndDimSetsMatchReference) {
  for (const auto& [name, x] : layouts()) {
    for (const Shape& dims : dim_sets()) {
      SCOPED_TRACE(name + " dims " + dims.str());
      expect_values(F::sum(x, dims), reference(x, dims, ref_sum), 1e-12);
      expect_values(F::mean(x, dims), reference(x, dims, ref_mean), 1e-12);
      expect_values(F::var(x, dims), reference(x, dims, ref_var), 1e-12);
      expect_values(F::std(x, dims),
                    reference(x, dims, [](const Values& g) { return std::sqrt(ref_var(g)); }), 1e-12);
      expect_values(F::amax(x, dims), reference(x, dims, ref_max), 0);
      expect_values(F::amin(x, dims), reference(x, dims, ref_min), 0);
      expect_values(F::logsumexp(x, dims), reference(x, dims, ref_logsumexp), 1e-12);
      expect_values(F::norm(x, 2, dims), reference(x, dims, ref_norm(2)), 1e-12);
      expect_values(F::norm(x, 1, dims), reference(x, dims, ref_norm(1)), 1e-12);
      expect_values(F::norm(x, 3.5, dims), reference(x, dims, ref_norm(3.5)), 1e-12);
      expect_values(F::norm(x, INFINITY, dims), reference(x, dims, ref_norm_inf), 0);
      // keepdim only changes the shape.
      Shape kept = x.shape();
      for (int64_t d : dims) kept[wrap_dim(d, 3, "test")] = 1;
      if (dims.empty()) kept = Shape{1, 1, 1};
      EXPECT_EQ(F::sum(x, dims, true).shape(), kept);
      EXPECT_EQ(F::var(x, dims, true, true).shape(), kept);
      EXPECT_EQ(F::logsumexp(x, dims, true).shape(), kept);
    }
    for (int64_t d = -3; d < 3; ++d) {
      SCOPED_TRACE(name + " dim " + std::to_string(d));
      expect_values(F::prod(x, d), reference(x, {d}, ref_prod), 1e-12);
      auto [v, i] = F::max(x, d);
      expect_values(v, reference(x, {d}, ref_max), 0);
      expect_values(i, reference(x, {d}, ref_argmax), 0);
      auto [vm, im] = F::min(x, d, true);
      expect_values(vm, reference(x, {d}, ref_min), 0);
      expect_values(im, reference(x, {d}, ref_argmin), 0);
      expect_values(F::argmax(x, d), reference(x, {d}, ref_argmax), 0);
    }
    expect_values(F::argmin(x), reference(x.contiguous().reshape({-1}), {0}, ref_argmin), 0);
  }
}

TEST(Reduction, FourDimLayoutsNeedingACopy) {
  // [3, 4, 5, 6] reduced over dims 0 and 2 alternates reduced and kept blocks: read through a copy.
  Generator g(5);
  const Tensor x = randn({3, 4, 5, 6}, {.dtype = kFloat64}, &g);
  for (const Shape& dims : std::vector<Shape>{{0, 2}, {1, 3}, {0, 1, 3}, {0, 3}}) {
    SCOPED_TRACE(dims.str());
    expect_values(F::sum(x, dims), reference(x, dims, ref_sum), 1e-12);
    expect_values(F::amax(x, dims), reference(x, dims, ref_max), 0);
    expect_values(F::var(x, dims, true), reference(x, dims, ref_var), 1e-12);
    const Tensor p = x.permute({3, 1, 0, 2});
    expect_values(F::sum(p, dims), reference(p, dims, ref_sum), 1e-12);
    expect_values(F::logsumexp(p, dims), reference(p, dims, ref_logsumexp), 1e-12);
  }
}

TEST(Reduction, LargeInputsTakeTheParallelPathsAndKeepOrder) {
  Generator g(9);
  // One long output split across threads; the max sits twice, the first must win.
  Tensor flat = randn({200001}, {.dtype = kFloat64}, &g);
  flat.set_at({170000}, 50.0);
  flat.set_at({60000}, 50.0);
  EXPECT_EQ(F::argmax(flat).item(), 60000.0);
  EXPECT_EQ(F::max(flat).item(), 50.0);
  EXPECT_NEAR(F::sum(flat).item(), reference(flat, {}, ref_sum)[0], 1e-9);
  EXPECT_NEAR(F::var(flat).item(), reference(flat, {}, ref_var)[0], 1e-12);
  EXPECT_NEAR(F::logsumexp(flat, {0}).item(), 50 + std::log(2.0), 1e-12);
  flat.set_at({190000}, NAN);
  flat.set_at({100000}, NAN);
  EXPECT_EQ(F::argmax(flat).item(), 100000.0);
  EXPECT_TRUE(std::isnan(F::max(flat).item()));

  // Few long columns: rows are split across threads.
  Tensor cols = randn({70000, 3}, {.dtype = kFloat64}, &g);
  cols.set_at({65000, 1}, 40.0);
  cols.set_at({20000, 1}, 40.0);
  auto [v, i] = F::max(cols, 0);
  expect_values(v, reference(cols, {0}, ref_max), 0);
  EXPECT_EQ(i.to_vector<int64_t>()[1], 20000);
  expect_values(i, reference(cols, {0}, ref_argmax), 0);
  expect_values(F::sum(cols, {0}), reference(cols, {0}, ref_sum), 1e-12);
  expect_values(F::var(cols, Shape{0}), reference(cols, {0}, ref_var), 1e-12);
  expect_values(F::logsumexp(cols, {0}), reference(cols, {0}, ref_logsumexp), 1e-12);

  // Many outputs of each kind.
  const Tensor wide = randn({64, 1000}, {.dtype = kFloat64}, &g);
  for (int64_t d : {0, 1}) {
    expect_values(F::sum(wide, {d}), reference(wide, {d}, ref_sum), 1e-12);
    expect_values(F::argmin(wide, d), reference(wide, {d}, ref_argmin), 0);
    expect_values(F::std(wide, Shape{d}),
                  reference(wide, {d}, [](const Values& g) { return std::sqrt(ref_var(g)); }), 1e-12);
    expect_values(F::norm(wide, 2, {d}), reference(wide, {d}, ref_norm(2)), 1e-12);
  }
  // f32 and integer inputs through the same paths.
  const Tensor wf = wide.to(kFloat32);
  expect_values(F::sum(wf, {0}), reference(wide, {0}, ref_sum), 1e-5);
  expect_values(F::amax(wf, {1}), reference(wf, {1}, ref_max), 0);
  const Tensor wi = randint(-100, 100, {300, 200}, {.dtype = kInt64}, &g);
  expect_values(F::sum(wi, {0}), reference(wi, {0}, ref_sum), 0);
  expect_values(F::argmax(wi, 1), reference(wi, {1}, ref_argmax), 0);
}

}  // namespace
}  // namespace strata
