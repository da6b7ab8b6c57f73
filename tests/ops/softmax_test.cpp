// Softmax and log-softmax: hand-computed values along every dim (negative too), f32 and f64,
// non-contiguous inputs, large and infinite values, empty and 0-dim inputs, large inputs on the parallel
// paths against a reference, and error messages.
#include <cmath>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using Values = std::vector<double>;

void expect_values(const Tensor& t, const Values& want, double tol) {
  const Values got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << " is " << got[i];
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
    }
  }
}

// softmax([1, 2, 3]) and its log.
const Values kSoft123 = {0.09003057317038046, 0.24472847105479764, 0.6652409557748219};
Values log_of(const Values& v) {
  Values r;
  for (double x : v) r.push_back(std::log(x));
  return r;
}

// Reference softmax along dim computed slice by slice in long double.
Values reference(const Tensor& x, int64_t dim, bool log) {
  const Values v = x.to_vector<double>();
  const int64_t d = wrap_dim(dim, x.dim(), "test");
  int64_t inner = 1;
  for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
  const int64_t n = x.size(d), outer = x.numel() / (n * inner);
  Values out(v.size());
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t b = 0; b < inner; ++b) {
      long double m = -INFINITY, s = 0;
      for (int64_t r = 0; r < n; ++r) m = std::max<long double>(m, v[(a * n + r) * inner + b]);
      for (int64_t r = 0; r < n; ++r) s += std::exp(v[(a * n + r) * inner + b] - m);
      for (int64_t r = 0; r < n; ++r) {
        const long double z = v[(a * n + r) * inner + b] - m;
        out[(a * n + r) * inner + b] = static_cast<double>(log ? z - std::log(s) : std::exp(z) / s);
      }
    }
  }
  return out;
}

TEST(Softmax, LastDimValues) {
  for (Dtype dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const double tol = dt == kFloat32 ? 1e-7 : 1e-15;
    const Tensor x = from_vector<double>({1, 2, 3, 1, 2, 3}, {2, 3}).to(dt);
    Tensor y = F::softmax(x, -1);
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(y.shape(), (Shape{2, 3}));
    Values want = kSoft123;
    want.insert(want.end(), kSoft123.begin(), kSoft123.end());
    expect_values(y, want, tol);
    expect_values(x.softmax(1), want, tol);
    Values lwant = log_of(want);
    expect_values(F::log_softmax(x, 1), lwant, tol * 10);
    expect_values(x.log_softmax(-1), lwant, tol * 10);
  }
}

TEST(Softmax, OtherDims) {
  // Along dim 0 of [[1, 5], [2, 5], [3, 5]]: columns are [1, 2, 3] and [5, 5, 5].
  const Tensor x = from_vector<double>({1, 5, 2, 5, 3, 5}, {3, 2});
  const double third = 1.0 / 3.0;
  const Values want = {kSoft123[0], third, kSoft123[1], third, kSoft123[2], third};
  expect_values(F::softmax(x, 0), want, 1e-15);
  expect_values(F::softmax(x, -2), want, 1e-15);
  expect_values(F::log_softmax(x, 0), log_of(want), 1e-14);
  // The middle dim of a 3-D tensor (neither innermost nor outermost).
  Generator g(2);
  const Tensor y = randn({3, 5, 4}, {.dtype = kFloat64}, &g);
  for (int64_t d = -3; d < 3; ++d) {
    SCOPED_TRACE(d);
    expect_values(F::softmax(y, d), reference(y, d, false), 1e-14);
    expect_values(F::log_softmax(y, d), reference(y, d, true), 1e-13);
    // Slices sum to one.
    expect_values(F::sum(F::softmax(y, d), {d}), Values(y.numel() / y.size(d), 1.0), 1e-14);
  }
}

TEST(Softmax, NonContiguousInputs) {
  Generator g(4);
  const Tensor base = randn({4, 6}, {.dtype = kFloat64}, &g);
  const Tensor t = base.t();                            // [6, 4]
  const Tensor s = base.slice(1, 0, 6, 2);              // [4, 3]
  const Tensor e = base.slice(0, 0, 1).expand({3, 6});  // stride 0
  for (const Tensor& x : {t, s, e}) {
    for (int64_t d : {0, 1}) {
      SCOPED_TRACE(x.shape().str() + " dim " + std::to_string(d));
      const Tensor y = F::softmax(x, d);
      EXPECT_TRUE(y.is_contiguous());
      expect_values(y, reference(x, d, false), 1e-14);
      expect_values(F::log_softmax(x, d), reference(x, d, true), 1e-13);
      expect_values(F::softmax(x.to(kFloat32), d), reference(x, d, false), 1e-6);
    }
  }
}

TEST(Softmax, LargeValuesAreStable) {
  // exp(1000) overflows; subtracting the max first does not.
  for (Dtype dt : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = from_vector<double>({1001, 1002, 1003, -1000, -1000, -1000}, {2, 3}).to(dt);
    expect_values(F::softmax(x, 1), {kSoft123[0], kSoft123[1], kSoft123[2], 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-6);
    expect_values(F::log_softmax(x, 1),
                  {std::log(kSoft123[0]), std::log(kSoft123[1]), std::log(kSoft123[2]), -std::log(3.0),
                   -std::log(3.0), -std::log(3.0)},
                  1e-5);
    const Tensor cols = x.t().contiguous();  // the same along dim 0
    expect_values(F::softmax(cols, 0).t(), {kSoft123[0], kSoft123[1], kSoft123[2], 1.0 / 3, 1.0 / 3, 1.0 / 3},
                  1e-6);
    // Huge spread: the small entries underflow to exactly 0, log-softmax stays finite.
    const Tensor spread = from_vector<double>({0, 1000}).to(dt);
    expect_values(F::softmax(spread, 0), {0, 1}, 0);
    expect_values(F::log_softmax(spread, 0), {-1000, 0}, 1e-9);
  }
}

TEST(Softmax, InfinitiesAndNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  // -inf entries get probability 0 (masking), others are unaffected.
  expect_values(F::softmax(from_vector<double>({1, -inf, 2, -inf, 3}), 0),
                {kSoft123[0], 0, kSoft123[1], 0, kSoft123[2]}, 1e-15);
  expect_values(F::log_softmax(from_vector<float>({0, -INFINITY}), 0), {0, -inf}, 0);
  // A NaN spreads to its whole slice only.
  const Tensor y = F::softmax(from_vector<double>({1, NAN, 2, 1, 2, 3}, {2, 3}), 1);
  const Values v = y.to_vector<double>();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(v[i]));
  EXPECT_NEAR(v[5], kSoft123[2], 1e-15);
  // A slice of -inf only has no defined softmax (NaN, like PyTorch).
  EXPECT_TRUE(std::isnan(F::softmax(from_vector<double>({-inf, -inf}), 0).to_vector<double>()[0]));
}

TEST(Softmax, EmptyAndZeroDim) {
  EXPECT_EQ(F::softmax(scalar_tensor(3.0), 0).item(), 1.0);
  EXPECT_EQ(F::softmax(scalar_tensor(3.0), -1).dim(), 0);
  EXPECT_EQ(F::log_softmax(scalar_tensor(3.0), 0).item(), 0.0);
  EXPECT_EQ(F::softmax(zeros({0, 3}), 1).shape(), (Shape{0, 3}));
  EXPECT_EQ(F::log_softmax(zeros({2, 0}), 1).shape(), (Shape{2, 0}));
  expect_values(F::softmax(zeros({3, 1}), 1), {1, 1, 1}, 0);
}

TEST(Softmax, LargeInputsOnTheParallelPaths) {
  Generator g(6);
  // Many rows (last dim), few long rows, and a strided middle dim; values with a large offset.
  for (const Shape& shape : std::vector<Shape>{{512, 300}, {2, 70000}, {40, 300, 7}, {70000, 2}}) {
    const Tensor x = randn(shape, {.dtype = kFloat64}, &g) * 20.0 + 500.0;
    for (int64_t d = 0; d < x.dim(); ++d) {
      SCOPED_TRACE(shape.str() + " dim " + std::to_string(d));
      expect_values(F::softmax(x, d), reference(x, d, false), 1e-12);
      expect_values(F::log_softmax(x, d), reference(x, d, true), 1e-10);
      const Tensor xf = x.to(kFloat32);
      const Values want = reference(xf, d, false);
      expect_values(F::softmax(xf, d), want, 1e-6);
      expect_values(F::log_softmax(xf, d), reference(xf, d, true), 2e-4);
    }
  }
}

TEST(Softmax, ErrorsNameTheOp) {
  const Tensor x = zeros({2, 3});
  try {
    F::softmax(x, 2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "softmax: dim 2 is out of range for a tensor with 2 dims");
  }
  try {
    F::log_softmax(x, -3);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "log_softmax: dim -3 is out of range for a tensor with 2 dims");
  }
  try {
    F::softmax(arange(4, {.dtype = kInt64}), 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "softmax: expected a floating point tensor, got i64 of shape [4]");
  }
  EXPECT_THROW(F::log_softmax(zeros({2}, {.dtype = kUInt8}), 0), Error);
  EXPECT_THROW(F::softmax(Tensor(), 0), Error);
}

}  // namespace
}  // namespace strata
