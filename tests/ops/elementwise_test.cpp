// Elementwise ops: forward values against closed forms, dtype rules, NaN handling, masks, broadcasting,
// gradient conventions at special points, and error messages.
#include <gmock/gmock.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "test_util.h"

namespace strata {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor f64(const std::vector<double>& v, const Shape& shape = {}) {
  return shape.empty() ? from_vector(v) : from_vector(v, shape);
}
Tensor f32(const std::vector<float>& v) { return from_vector(v); }
Tensor i64(const std::vector<int64_t>& v, const Shape& shape = {}) {
  return shape.empty() ? from_vector(v) : from_vector(v, shape);
}
Tensor u8(const std::vector<uint8_t>& v, const Shape& shape = {}) {
  return shape.empty() ? from_vector(v) : from_vector(v, shape);
}

// Element by element within tol; NaN matches NaN, infinities match exactly.
void expect_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": " << got[i];
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(got[i], expected[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
    }
  }
}

// The message of the strata::Error that f throws.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected strata::Error";
  return "";
}

TEST(Elementwise, ExpLogFamilyClosedForms) {
  const double e = std::numbers::e;
  expect_values(ops::exp(f64({0, 1, -1, 2})), {1, e, 1 / e, e * e});
  expect_values(ops::log(f64({1, e, e * e, 0, -1})), {0, 1, 2, -kInf, kNaN});
  expect_values(ops::log1p(f64({0, e - 1, 1e-20})), {0, 1, 1e-20}, 1e-30);
  expect_values(ops::sqrt(f64({0, 4, 2.25, -1})), {0, 2, 1.5, kNaN});
  expect_values(ops::rsqrt(f64({4, 0.25, 0})), {0.5, 2, kInf});
  expect_values(ops::reciprocal(f64({2, -0.5, 0})), {0.5, -2, kInf});
  expect_values(ops::square(f64({-3, 0.5})), {9, 0.25});
  // f32 gives the same values to float precision.
  Tensor y = ops::exp(f32({0, 1}));
  EXPECT_EQ(y.dtype(), kFloat32);
  expect_values(y, {1, e}, 1e-6);
}

TEST(Elementwise, TrigErfAbsSignClosedForms) {
  const double pi = std::numbers::pi;
  expect_values(ops::sin(f64({0, pi / 2, pi / 6, -pi / 2})), {0, 1, 0.5, -1}, 1e-15);
  expect_values(ops::cos(f64({0, pi, pi / 3})), {1, -1, 0.5}, 1e-15);
  // erf(0) = 0, odd, tends to 1; erf(1) = 0.8427007929497149.
  expect_values(ops::erf(f64({0, 1, -1, 10})), {0, 0.8427007929497149, -0.8427007929497149, 1}, 1e-15);
  expect_values(ops::abs(f64({-2.5, 0, 3})), {2.5, 0, 3});
  expect_values(ops::sign(f64({-2.5, 0, 3, kNaN})), {-1, 0, 1, 0});
}

TEST(Elementwise, IntegralInputsOfFloatingOpsComputeInF32) {
  for (Tensor y : {ops::exp(i64({0, 1})), ops::log(i64({1, 2})), ops::sqrt(u8({4, 9})), ops::erf(i64({0})),
                   ops::reciprocal(i64({2})), ops::sin(u8({0})), ops::rsqrt(i64({4})), ops::log1p(i64({0})),
                   ops::cos(i64({0}))}) {
    EXPECT_EQ(y.dtype(), kFloat32);
  }
  expect_values(ops::sqrt(u8({4, 9})), {2, 3});
  expect_values(ops::reciprocal(i64({2, -4})), {0.5, -0.25});
  // Ops that make sense on integers keep the dtype.
  Tensor sq = ops::square(i64({-3, 4}));
  EXPECT_EQ(sq.dtype(), kInt64);
  EXPECT_EQ(sq.to_vector<int64_t>(), (std::vector<int64_t>{9, 16}));
  Tensor ab = ops::abs(i64({-3, 4}));
  EXPECT_EQ(ab.dtype(), kInt64);
  EXPECT_EQ(ab.to_vector<int64_t>(), (std::vector<int64_t>{3, 4}));
  Tensor sg = ops::sign(i64({-3, 0, 4}));
  EXPECT_EQ(sg.dtype(), kInt64);
  EXPECT_EQ(sg.to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(ops::abs(u8({0, 200})).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 200}));
}

TEST(Elementwise, PowScalarExponent) {
  expect_values(ops::pow(f64({2, 3, -2}), 3.0), {8, 27, -8});
  expect_values(ops::pow(f64({4, 9}), 0.5), {2, 3});
  expect_values(ops::pow(f64({4, 0.25}), -0.5), {0.5, 2});
  expect_values(ops::pow(f64({4, -0.5}), -1.0), {0.25, -2});
  expect_values(ops::pow(f64({-3, 1.5}), 2.0), {9, 2.25});
  expect_values(ops::pow(f64({8, kNaN}), 0.0), {1, 1});
  expect_values(ops::pow(f64({8}), 1.0 / 3.0), {2}, 1e-15);
  expect_values(ops::pow(f64({-8}), 1.5), {kNaN});
  // Integral tensors keep their dtype for whole exponents and compute in f32 for fractional ones.
  Tensor p = ops::pow(i64({2, -3, 5}), 3.0);
  EXPECT_EQ(p.dtype(), kInt64);
  EXPECT_EQ(p.to_vector<int64_t>(), (std::vector<int64_t>{8, -27, 125}));
  EXPECT_EQ(ops::pow(i64({-3, 5}), 2.0).to_vector<int64_t>(), (std::vector<int64_t>{9, 25}));
  EXPECT_EQ(ops::pow(i64({7}), 0.0).to_vector<int64_t>(), (std::vector<int64_t>{1}));
  Tensor r = ops::pow(i64({4, 9}), 0.5);
  EXPECT_EQ(r.dtype(), kFloat32);
  expect_values(r, {2, 3});
  EXPECT_EQ(i64({3}).pow(2).to_vector<int64_t>(), (std::vector<int64_t>{9}));
}

TEST(Elementwise, PowTensorExponentAndScalarBase) {
  expect_values(ops::pow(f64({2, 9, 0, 0}), f64({10, 0.5, 0, 2})), {1024, 3, 1, 0});
  // Broadcasting: [2, 1] ^ [3].
  Tensor b = ops::pow(f64({2, 3}, {2, 1}), f64({0, 1, 2}));
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  expect_values(b, {1, 2, 4, 1, 3, 9});
  // i64 ^ f32 promotes to f32; i64 ^ i64 stays i64.
  EXPECT_EQ(ops::pow(i64({2}), f32({0.5f})).dtype(), kFloat32);
  Tensor ii = ops::pow(i64({2, 3}), i64({3, 2}));
  EXPECT_EQ(ii.dtype(), kInt64);
  EXPECT_EQ(ii.to_vector<int64_t>(), (std::vector<int64_t>{8, 9}));
  // Scalar base.
  expect_values(ops::pow(2.0, f64({0, 3, -1, 0.5})), {1, 8, 0.5, std::numbers::sqrt2});
  Tensor ib = ops::pow(3.0, i64({0, 2}));
  EXPECT_EQ(ib.dtype(), kInt64);
  EXPECT_EQ(ib.to_vector<int64_t>(), (std::vector<int64_t>{1, 9}));
  Tensor fb = ops::pow(0.5, i64({1, 2}));
  EXPECT_EQ(fb.dtype(), kFloat32);
  expect_values(fb, {0.5, 0.25});
}

TEST(Elementwise, ClampValuesDtypesAndNaN) {
  expect_values(ops::clamp(f64({-2, -0.5, 0.3, 2, kNaN}), -1.0, 1.0), {-1, -0.5, 0.3, 1, kNaN});
  expect_values(ops::clamp(f64({-2, 3}), std::nullopt, 1.0), {-2, 1});
  expect_values(ops::clamp(f64({-2, 3}), 0.0, std::nullopt), {0, 3});
  // min > max gives max everywhere, as PyTorch does.
  expect_values(ops::clamp(f64({-2, 0, 3}), 2.0, 1.0), {1, 1, 1});
  Tensor ci = ops::clamp(i64({-5, 2, 9}), 0.0, 5.0);
  EXPECT_EQ(ci.dtype(), kInt64);
  EXPECT_EQ(ci.to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 5}));
  // Bounds outside an integral dtype's range saturate; absent bounds leave values alone.
  EXPECT_EQ(ops::clamp(u8({0, 100, 255}), -5.0, 300.0).to_vector<uint8_t>(),
            (std::vector<uint8_t>{0, 100, 255}));
  EXPECT_EQ(ops::clamp(i64({std::numeric_limits<int64_t>::min(), 3}), std::nullopt, 2.0).to_vector<int64_t>(),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 2}));
  EXPECT_EQ(ops::clamp(i64({-7, 3}), -kInf, kInf).to_vector<int64_t>(), (std::vector<int64_t>{-7, 3}));
  Tensor cf = ops::clamp(i64({0, 1}), 0.5, std::nullopt);
  EXPECT_EQ(cf.dtype(), kFloat32);
  expect_values(cf, {0.5, 1});
  // Works on a non-contiguous view.
  Tensor t = f64({1, 2, 3, 4, 5, 6}, {2, 3}).t();
  expect_values(ops::clamp(t, 2.0, 5.0), {2, 4, 2, 5, 3, 5});
}

TEST(Elementwise, MaximumMinimumPropagateNaNAndBroadcast) {
  expect_values(ops::maximum(f64({1, kNaN, 3, -kInf}), f64({2, 0, kNaN, -1})), {2, kNaN, kNaN, -1});
  expect_values(ops::minimum(f64({1, kNaN, 3, kInf}), f64({2, 0, kNaN, 5})), {1, kNaN, kNaN, 5});
  Tensor m = ops::maximum(f64({0, 5}, {2, 1}), f64({1, 2, 6}));
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  expect_values(m, {1, 2, 6, 5, 5, 6});
  // Mixed dtypes promote.
  Tensor mm = ops::minimum(i64({1, 4}), f32({1.5f, 2.5f}));
  EXPECT_EQ(mm.dtype(), kFloat32);
  expect_values(mm, {1, 2.5});
  EXPECT_EQ(ops::maximum(i64({-1, 7}), i64({3, 2})).to_vector<int64_t>(), (std::vector<int64_t>{3, 7}));
}

TEST(Elementwise, ComparisonMasks) {
  Tensor a = f64({1, 2, 3}), b = f64({3, 2, 1});
  EXPECT_EQ(ops::eq(a, b).dtype(), kUInt8);
  EXPECT_EQ(ops::eq(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(ops::ne(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(ops::lt(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(ops::le(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(ops::gt(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(ops::ge(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ(ops::gt(a, 1.5).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ(ops::le(a, 2.0).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(ops::eq(a, 3.0).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_EQ(ops::ne(a, 3.0).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(ops::lt(a, 3.0).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(ops::ge(a, 3.0).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1}));
  // An integral tensor against a fractional scalar compares in floating point (1 < 1.5, not 1 < 1).
  EXPECT_EQ(ops::lt(i64({1, 2}), 1.5).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(ops::eq(i64({1, 2}), f32({1.0f, 2.5f})).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  // NaN compares unequal to everything, itself included.
  EXPECT_EQ(ops::eq(f64({kNaN}), f64({kNaN})).to_vector<uint8_t>(), (std::vector<uint8_t>{0}));
  EXPECT_EQ(ops::ne(f64({kNaN}), 0.0).to_vector<uint8_t>(), (std::vector<uint8_t>{1}));
  // Broadcasting [2, 1] against [3].
  Tensor m = ops::lt(f64({0, 2}, {2, 1}), f64({1, 2, 3}));
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 1, 0, 0, 1}));
}

TEST(Elementwise, WhereBroadcastsAndPromotes) {
  Tensor cond = u8({1, 0}, {2, 1});
  Tensor w = ops::where(cond, f64({1, 2, 3}), scalar_tensor(-1.0, {.dtype = kFloat64}));
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  expect_values(w, {1, 2, 3, -1, -1, -1});
  // Nonzero counts as true; i64 with f32 promotes to f32.
  Tensor p = ops::where(u8({7, 0, 1}), i64({1, 2, 3}), f32({0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(p.dtype(), kFloat32);
  expect_values(p, {1, 0.5, 3});
  Tensor ii = ops::where(u8({0, 1}), i64({1, 2}), i64({3, 4}));
  EXPECT_EQ(ii.dtype(), kInt64);
  EXPECT_EQ(ii.to_vector<int64_t>(), (std::vector<int64_t>{3, 2}));
  // A comparison mask drives it, over a transposed input.
  Tensor x = f64({-1, 2, 3, -4}, {2, 2}).t();
  expect_values(ops::where(ops::gt(x, 0.0), x, ops::neg(x)), {1, 3, 2, 4});
}

TEST(Elementwise, TensorMethods) {
  Tensor x = f64({1, 4});
  expect_values(x.exp(), {std::exp(1.0), std::exp(4.0)});
  expect_values(x.log(), {0, std::log(4.0)});
  expect_values(x.sqrt(), {1, 2});
  expect_values(ops::neg(x).abs(), {1, 4});
  expect_values(x.pow(2), {1, 16});
}

TEST(Elementwise, GradientConventionsAtSpecialPoints) {
  // abs' gradient is sign, 0 at 0; sign's gradient is zero everywhere.
  Tensor x = f64({-2, 0, 3}).requires_grad_();
  ops::abs(x).sum().backward();
  expect_values(x.grad(), {-1, 0, 1});
  x.zero_grad();
  ops::sign(x).sum().backward();
  expect_values(x.grad(), {0, 0, 0});
  // clamp passes the gradient where min <= x <= max, bounds included.
  Tensor c = f64({-2, -1, 0, 1, 2}).requires_grad_();
  ops::clamp(c, -1.0, 1.0).sum().backward();
  expect_values(c.grad(), {0, 1, 1, 1, 0});
  // Clamped elements get exactly 0, even from an infinite upstream gradient.
  Tensor ci = f64({-2, 0.5}).requires_grad_();
  ops::clamp(ci, -1.0, 1.0).backward(f64({kInf, 1}));
  expect_values(ci.grad(), {0, 1});
  Tensor cmax = f64({0, 1, 2}).requires_grad_();
  ops::clamp(cmax, std::nullopt, 1.0).sum().backward();
  expect_values(cmax.grad(), {1, 1, 0});
  // maximum and minimum split ties evenly.
  Tensor a = f64({1, 2, 3}).requires_grad_(), b = f64({1, 5, 0}).requires_grad_();
  ops::maximum(a, b).sum().backward();
  expect_values(a.grad(), {0.5, 0, 1});
  expect_values(b.grad(), {0.5, 1, 0});
  a.zero_grad();
  b.zero_grad();
  ops::minimum(a, b).sum().backward();
  expect_values(a.grad(), {0.5, 1, 0});
  expect_values(b.grad(), {0.5, 0, 1});
  // pow: x^0 gives no gradient to x; 0^e with e >= 0 gives none to e (PyTorch masks 0 * log(0)).
  Tensor base = f64({0, 2, 3}).requires_grad_(), e = f64({2, 0, 1}).requires_grad_();
  ops::pow(base, e).sum().backward();
  expect_values(base.grad(), {0, 0, 1});
  expect_values(e.grad(), {0, std::log(2.0), 3 * std::log(3.0)});
  Tensor e2 = f64({0, 2}).requires_grad_();
  ops::pow(0.0, e2).sum().backward();
  expect_values(e2.grad(), {0, 0});
  Tensor z = f64({0, 2}).requires_grad_();
  ops::pow(z, 0.0).sum().backward();
  expect_values(z.grad(), {0, 0});
  // where sends the gradient to the chosen side only, summed over broadcast dims.
  Tensor wa = f64({1, 2, 3}).requires_grad_(), wb = f64({9}).requires_grad_();
  ops::where(u8({1, 0, 1, 0, 0, 0}, {2, 3}), wa, wb).sum().backward();
  expect_values(wa.grad(), {1, 0, 1});
  expect_values(wb.grad(), {4});
}

TEST(Elementwise, SavedOutputChecksInPlaceChangesAndMakesNoCycle) {
  Tensor x = f64({0.5, 1}).requires_grad_();
  Tensor y = ops::exp(x);
  {
    NoGradGuard no_grad;
    y.add_(1.0);
  }
  EXPECT_THAT(error_of([&] { y.sum().backward(); }), HasSubstr("backward of exp: its output was modified"));
  // The node saving its output does not keep itself alive through that output.
  Tensor s = ops::sqrt(x);
  std::weak_ptr<autograd::Node> node = s.grad_fn();
  ASSERT_FALSE(node.expired());
  s = Tensor();
  EXPECT_TRUE(node.expired());
}

TEST(Elementwise, Errors) {
  EXPECT_EQ(error_of([] {
              ops::pow(zeros({2, 3}), zeros({4}));
            }),
            "pow: shapes [2, 3] and [4] are not broadcastable");
  EXPECT_EQ(error_of([] { ops::maximum(zeros({2}), zeros({3})); }),
            "maximum: shapes [2] and [3] are not broadcastable");
  EXPECT_EQ(error_of([] { ops::minimum(zeros({2}), zeros({3})); }),
            "minimum: shapes [2] and [3] are not broadcastable");
  EXPECT_EQ(error_of([] { ops::lt(zeros({2}), zeros({3})); }),
            "lt: shapes [2] and [3] are not broadcastable");
  EXPECT_EQ(error_of([] { ops::clamp(zeros({2}), std::nullopt, std::nullopt); }),
            "clamp: at least one of min and max must be given");
  EXPECT_THAT(error_of([] { ops::pow(i64({2}), -1.0); }),
              StartsWith("pow: integers to negative integer powers are not allowed (i64 tensor"));
  EXPECT_EQ(error_of([] { ops::where(f64({1}), f64({1}), f64({2})); }),
            "where: the condition must be a u8 mask, got f64 of shape [1]");
  EXPECT_EQ(
      error_of([] {
        ops::where(u8({1, 0}, {2, 1}), zeros({1, 3}), zeros({4}));
      }),
      "where: condition of shape [2, 1], input of shape [1, 3] and other of shape [4] are not broadcastable");
  EXPECT_EQ(error_of([] { ops::exp(Tensor()); }), "exp: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::clamp(Tensor(), 0.0, 1.0); }), "clamp: undefined tensor argument");
  EXPECT_EQ(error_of([] { ops::where(Tensor(), zeros({1}), zeros({1})); }),
            "where: undefined tensor argument");
  // A dtype without a kernel names the op and the dtype.
  const std::string bf16 = error_of([] { ops::sqrt(empty({2}, {.dtype = kBFloat16})); });
  EXPECT_THAT(bf16, StartsWith("sqrt: "));
  EXPECT_THAT(bf16, HasSubstr("bf16"));
  // Integral tensors cannot ask for gradients, so nothing differentiates through them by accident.
  EXPECT_THAT(error_of([] { i64({1}).requires_grad_(); }), HasSubstr("only floating tensors"));
}

}  // namespace
}  // namespace strata
