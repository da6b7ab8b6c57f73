// Elementwise ops: promotion and broadcast checks, kernel dispatch, and backward rules written with ops.
#include "strata/ops/elementwise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/saved_output.h"
#include "kernels/elementwise.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/activation.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::BinaryOp;
using kernels::UnaryOp;

void check_devices(const Tensor& a, const Tensor& b, const char* op) {
  STRATA_CHECK(a.defined() && b.defined(), "{}: undefined tensor argument", op);
  STRATA_CHECK(a.device() == b.device(), "{}: tensors are on different devices ({} and {})", op,
               a.device().str(), b.device().str());
}

// Checks devices and broadcasting, and brings both operands to their common dtype.
std::pair<Tensor, Tensor> prepare(const Tensor& a, const Tensor& b, const char* op) {
  check_devices(a, b, op);
  broadcast_shapes(a.shape(), b.shape(), op);
  const Dtype dt = promote_types(a.dtype(), b.dtype());
  return {to_dtype(a, dt), to_dtype(b, dt)};
}

// The dtype a tensor-scalar op computes in: integral tensors meet fractional scalars in f32.
Tensor for_scalar(const Tensor& a, double s) {
  STRATA_CHECK(a.defined(), "undefined tensor argument");
  if (!a.is_floating_point() && s != std::floor(s)) return to_dtype(a, kFloat32);
  return a;
}

// Floating ops on integral tensors compute in f32, as PyTorch does.
Tensor floating(const Tensor& x) {
  STRATA_CHECK(x.defined(), "undefined tensor argument");
  return x.is_floating_point() ? x : to_dtype(x, kFloat32);
}

// A 0-dim tensor of t's dtype and device, broadcast against t by the kernels.
Tensor scalar_like(const Tensor& t, double v) {
  return full({}, v, {.dtype = t.dtype(), .device = t.device()});
}

// Kernel calls that name the op in kernel errors (e.g. a dtype with no kernel on this device).
Tensor run_unary(const char* name, UnaryOp op, const Tensor& x, kernels::UnaryParams p = {}) {
  try {
    return kernels::unary(op, x, p);
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", name, e.what());
  }
}

Tensor run_binary(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  try {
    return kernels::binary(op, a, b);
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", name, e.what());
  }
}

// A floating-only unary op: integral inputs compute in f32.
Tensor float_unary(const char* name, UnaryOp op, const Tensor& x, kernels::UnaryParams p = {}) {
  STRATA_CHECK(x.defined(), "{}: undefined tensor argument", name);
  return run_unary(name, op, floating(x), p);
}

// g where mask (u8) is set, else 0 (a select, not a product, so an infinite g still gives 0).
Tensor masked(const Tensor& g, const Tensor& mask) { return where(mask, g, scalar_like(g, 0.0)); }

// A clamp bound an integral kernel can hold: saturated to the dtype's range.
double integral_bound(double v, Dtype dt) {
  const double lo = dt == kUInt8 ? 0.0 : -9223372036854775808.0;
  const double hi = dt == kUInt8 ? 255.0 : 9223372036854774784.0;  // the largest double below 2^63
  return std::clamp(v, lo, hi);
}

// Gradients of maximum (is_max) or minimum: the winner takes g, ties split it evenly, like PyTorch.
Grads extremum_grads(const Tensor& g, const Tensor& a, const Tensor& b, bool is_max) {
  const Tensor zero = scalar_like(g, 0.0);
  const Tensor shared = where(eq(a, b), mul(g, 0.5), g);
  Grads r(2);
  if (a.requires_grad()) r[0] = sum_to(where(is_max ? lt(a, b) : gt(a, b), zero, shared), a.shape());
  if (b.requires_grad()) r[1] = sum_to(where(is_max ? gt(a, b) : lt(a, b), zero, shared), b.shape());
  return r;
}

Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  auto [x, y] = prepare(a, b, name);
  return kernels::binary(op, x, y);
}

Tensor compare(BinaryOp op, const Tensor& a, double b) {
  const Tensor x = for_scalar(a, b);
  return kernels::binary(op, x, full({}, b, {.dtype = x.dtype(), .device = x.device()}));
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  auto [x, y] = prepare(a, b, "add");
  Tensor out =
      kernels::binary(BinaryOp::Add, x, alpha == 1.0 ? y : kernels::unary(UnaryOp::MulScalar, y, {alpha}));
  return record("add", out, {a, b}, [alpha, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(alpha == 1.0 ? g : mul(g, alpha), sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  auto [x, y] = prepare(a, b, "sub");
  Tensor out =
      kernels::binary(BinaryOp::Sub, x, alpha == 1.0 ? y : kernels::unary(UnaryOp::MulScalar, y, {alpha}));
  return record("sub", out, {a, b}, [alpha, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(mul(g, -alpha), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare(a, b, "mul");
  Tensor out = kernels::binary(BinaryOp::Mul, x, y);
  return record("mul", out, {a, b}, [a, b](const Tensor& g) {
    return Grads{a.requires_grad() ? sum_to(mul(g, b), a.shape()) : Tensor(),
                 b.requires_grad() ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare(a, b, "div");
  Tensor out = kernels::binary(BinaryOp::Div, x, y);
  return record("div", out, {a, b}, [a, b](const Tensor& g) {
    return Grads{a.requires_grad() ? sum_to(div(g, b), a.shape()) : Tensor(),
                 b.requires_grad() ? sum_to(neg(div(mul(g, a), mul(b, b))), b.shape()) : Tensor()};
  });
}

Tensor add(const Tensor& a, double b) {
  Tensor out = kernels::unary(UnaryOp::AddScalar, for_scalar(a, b), {b});
  return record("add", out, {a}, [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, double b) { return add(a, -b); }

Tensor mul(const Tensor& a, double b) {
  Tensor out = kernels::unary(UnaryOp::MulScalar, for_scalar(a, b), {b});
  return record("mul", out, {a}, [b](const Tensor& g) { return Grads{mul(g, b)}; });
}

Tensor div(const Tensor& a, double b) {
  const Tensor x = floating(a);
  Tensor out = kernels::binary(BinaryOp::Div, x, full({}, b, {.dtype = x.dtype(), .device = x.device()}));
  return record("div", out, {a}, [b](const Tensor& g) { return Grads{div(g, b)}; });
}

Tensor rsub(const Tensor& a, double b) {
  Tensor out = kernels::unary(UnaryOp::RSubScalar, for_scalar(a, b), {b});
  return record("rsub", out, {a}, [](const Tensor& g) { return Grads{neg(g)}; });
}

Tensor rdiv(const Tensor& a, double b) {
  Tensor out = kernels::unary(UnaryOp::RDivScalar, floating(a), {b});
  return record("rdiv", out, {a}, [a, b](const Tensor& g) { return Grads{neg(div(mul(g, b), mul(a, a)))}; });
}

Tensor neg(const Tensor& x) {
  STRATA_CHECK(x.defined(), "neg: undefined tensor argument");
  Tensor out = kernels::unary(UnaryOp::Neg, x);
  return record("neg", out, {x}, [](const Tensor& g) { return Grads{neg(g)}; });
}

Tensor pow(const Tensor& base, const Tensor& exponent) {
  auto [x, y] = prepare(base, exponent, "pow");
  Tensor out = run_binary("pow", BinaryOp::Pow, x, y);
  return autograd::record_with_output(
      "pow", out, {base, exponent}, [base, exponent](const Tensor& g, const Tensor& r) {
        const Tensor zero = scalar_like(g, 0.0);
        Grads grads(2);
        // As PyTorch: no gradient from x^0 to x, and none to the exponent where 0^e (e >= 0) has log(0).
        if (base.requires_grad()) {
          // A floating exponent, so e - 1 cannot wrap around in u8.
          const Tensor e = exponent.is_floating_point() ? exponent : to_dtype(exponent, g.dtype());
          const Tensor d = mul(g, mul(e, pow(base, sub(e, 1.0))));
          grads[0] = sum_to(where(eq(e, 0.0), zero, d), base.shape());
        }
        if (exponent.requires_grad()) {
          const Tensor d = mul(g, mul(r, log(base)));
          grads[1] = sum_to(where(mul(eq(base, 0.0), ge(exponent, 0.0)), zero, d), exponent.shape());
        }
        return grads;
      });
}

Tensor pow(const Tensor& base, double exponent) {
  STRATA_CHECK(base.defined(), "pow: undefined tensor argument");
  const Tensor x = for_scalar(base, exponent);
  Tensor out;
  if (!x.is_floating_point()) {
    STRATA_CHECK(exponent >= 0,
                 "pow: integers to negative integer powers are not allowed ({} tensor, exponent {})",
                 dtype_name(x.dtype()), exponent);
    out = exponent == 2.0 ? run_unary("pow", UnaryOp::Square, x)
                          : run_binary("pow", BinaryOp::Pow, x, scalar_like(x, exponent));
  } else if (exponent == 2.0) {
    out = run_unary("pow", UnaryOp::Square, x);
  } else if (exponent == 0.5) {
    out = run_unary("pow", UnaryOp::Sqrt, x);
  } else if (exponent == -0.5) {
    out = run_unary("pow", UnaryOp::Rsqrt, x);
  } else if (exponent == -1.0) {
    out = run_unary("pow", UnaryOp::Reciprocal, x);
  } else {
    out = run_unary("pow", UnaryOp::PowScalar, x, {exponent});
  }
  return record("pow", out, {base}, [base, exponent](const Tensor& g) {
    if (exponent == 0.0) return Grads{zeros_like(g)};
    if (exponent == 1.0) return Grads{g};
    if (exponent == 2.0) return Grads{mul(g, mul(base, 2.0))};
    return Grads{mul(g, mul(pow(base, exponent - 1.0), exponent))};
  });
}

Tensor pow(double base, const Tensor& exponent) {
  STRATA_CHECK(exponent.defined(), "pow: undefined tensor argument");
  const Tensor x = for_scalar(exponent, base);
  Tensor out = x.is_floating_point() ? run_unary("pow", UnaryOp::RPowScalar, x, {base})
                                     : run_binary("pow", BinaryOp::Pow, scalar_like(x, base), x);
  // 0^e: the exponent's gradient is masked where e >= 0, as PyTorch does, so keep e only then.
  return autograd::record_with_output(
      "pow", out, {exponent},
      [base, e = base == 0.0 ? exponent : Tensor()](const Tensor& g, const Tensor& r) {
        const Tensor d = mul(g, mul(r, std::log(base)));
        return Grads{e.defined() ? where(ge(e, 0.0), scalar_like(g, 0.0), d) : d};
      });
}

Tensor exp(const Tensor& x) {
  Tensor out = float_unary("exp", UnaryOp::Exp, x);
  return autograd::record_with_output("exp", out, {x},
                                      [](const Tensor& g, const Tensor& y) { return Grads{mul(g, y)}; });
}

Tensor log(const Tensor& x) {
  Tensor out = float_unary("log", UnaryOp::Log, x);
  return record("log", out, {x}, [x](const Tensor& g) { return Grads{div(g, x)}; });
}

Tensor log1p(const Tensor& x) {
  Tensor out = float_unary("log1p", UnaryOp::Log1p, x);
  return record("log1p", out, {x}, [x](const Tensor& g) { return Grads{div(g, add(x, 1.0))}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor out = float_unary("sqrt", UnaryOp::Sqrt, x);
  return autograd::record_with_output(
      "sqrt", out, {x}, [](const Tensor& g, const Tensor& y) { return Grads{div(g, mul(y, 2.0))}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = float_unary("rsqrt", UnaryOp::Rsqrt, x);
  return autograd::record_with_output("rsqrt", out, {x}, [](const Tensor& g, const Tensor& y) {
    return Grads{mul(g, mul(pow(y, 3.0), -0.5))};
  });
}

Tensor square(const Tensor& x) {
  STRATA_CHECK(x.defined(), "square: undefined tensor argument");
  Tensor out = run_unary("square", UnaryOp::Square, x);
  return record("square", out, {x}, [x](const Tensor& g) { return Grads{mul(g, mul(x, 2.0))}; });
}

Tensor abs(const Tensor& x) {
  STRATA_CHECK(x.defined(), "abs: undefined tensor argument");
  Tensor out = run_unary("abs", UnaryOp::Abs, x);
  return record("abs", out, {x}, [x](const Tensor& g) { return Grads{mul(g, sign(x))}; });
}

Tensor sign(const Tensor& x) {
  STRATA_CHECK(x.defined(), "sign: undefined tensor argument");
  Tensor out = run_unary("sign", UnaryOp::Sign, x);
  return record("sign", out, {x}, [](const Tensor& g) { return Grads{zeros_like(g)}; });
}

Tensor erf(const Tensor& x) {
  Tensor out = float_unary("erf", UnaryOp::Erf, x);
  return record("erf", out, {x}, [x](const Tensor& g) {
    return Grads{mul(g, mul(exp(neg(square(x))), 2.0 * std::numbers::inv_sqrtpi))};
  });
}

Tensor sin(const Tensor& x) {
  Tensor out = float_unary("sin", UnaryOp::Sin, x);
  return record("sin", out, {x}, [x](const Tensor& g) { return Grads{mul(g, cos(x))}; });
}

Tensor cos(const Tensor& x) {
  Tensor out = float_unary("cos", UnaryOp::Cos, x);
  return record("cos", out, {x}, [x](const Tensor& g) { return Grads{neg(mul(g, sin(x)))}; });
}

Tensor reciprocal(const Tensor& x) {
  Tensor out = float_unary("reciprocal", UnaryOp::Reciprocal, x);
  return autograd::record_with_output(
      "reciprocal", out, {x}, [](const Tensor& g, const Tensor& y) { return Grads{neg(mul(g, square(y)))}; });
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  STRATA_CHECK(x.defined(), "clamp: undefined tensor argument");
  STRATA_CHECK(min || max, "clamp: at least one of min and max must be given");
  // Fractional bounds make integral tensors compute in f32, like the other tensor-scalar ops.
  const bool fractional = (min && *min != std::floor(*min)) || (max && *max != std::floor(*max));
  const Tensor in = !x.is_floating_point() && fractional ? to_dtype(x, kFloat32) : x;
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lo = min.value_or(-inf), hi = max.value_or(inf);
  if (!in.is_floating_point()) {
    lo = integral_bound(lo, in.dtype());
    hi = integral_bound(hi, in.dtype());
  }
  Tensor out = run_unary("clamp", UnaryOp::Clamp, in, {lo, hi});
  // PyTorch passes the gradient where min <= x <= max (bounds included, NaN excluded).
  return record("clamp", out, {x}, [x, min, max](const Tensor& g) {
    Tensor mask;
    if (min && max) {
      mask = mul(ge(x, *min), le(x, *max));
    } else {
      mask = min ? ge(x, *min) : le(x, *max);
    }
    return Grads{masked(g, mask)};
  });
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare(a, b, "maximum");
  Tensor out = run_binary("maximum", BinaryOp::Maximum, x, y);
  return record("maximum", out, {a, b}, [a, b](const Tensor& g) { return extremum_grads(g, a, b, true); });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  auto [x, y] = prepare(a, b, "minimum");
  Tensor out = run_binary("minimum", BinaryOp::Minimum, x, y);
  return record("minimum", out, {a, b}, [a, b](const Tensor& g) { return extremum_grads(g, a, b, false); });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  STRATA_CHECK(cond.defined() && a.defined() && b.defined(), "where: undefined tensor argument");
  STRATA_CHECK(cond.dtype() == kUInt8, "where: the condition must be a u8 mask, got {} of shape {}",
               dtype_name(cond.dtype()), cond.shape().str());
  check_devices(cond, a, "where");
  check_devices(a, b, "where");
  try {
    broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  } catch (const Error&) {
    STRATA_FAIL("where: condition of shape {}, input of shape {} and other of shape {} are not broadcastable",
                cond.shape().str(), a.shape().str(), b.shape().str());
  }
  const Dtype dt = promote_types(a.dtype(), b.dtype());
  Tensor out = kernels::where(cond, to_dtype(a, dt), to_dtype(b, dt));
  // cond is an input too, so an in-place change to it before backward is caught.
  return record("where", out, {cond, a, b},
                [cond, sa = a.shape(), sb = b.shape(), ra = a.requires_grad(),
                 rb = b.requires_grad()](const Tensor& g) {
                  const Tensor zero = scalar_like(g, 0.0);
                  return Grads{Tensor(), ra ? sum_to(where(cond, g, zero), sa) : Tensor(),
                               rb ? sum_to(where(cond, zero, g), sb) : Tensor()};
                });
}

Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ge, a, b, "ge"); }
Tensor eq(const Tensor& a, double b) { return compare(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, double b) { return compare(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, double b) { return compare(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, double b) { return compare(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, double b) { return compare(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, double b) { return compare(BinaryOp::Ge, a, b); }

}  // namespace strata::ops

namespace strata {

Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return ops::sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return ops::mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return ops::div(a, b); }
Tensor operator+(const Tensor& a, double b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, double b) { return ops::sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return ops::mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return ops::div(a, b); }
Tensor operator+(double a, const Tensor& b) { return ops::add(b, a); }
Tensor operator-(double a, const Tensor& b) { return ops::rsub(b, a); }
Tensor operator*(double a, const Tensor& b) { return ops::mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return ops::rdiv(b, a); }
Tensor operator-(const Tensor& a) { return ops::neg(a); }

Tensor Tensor::neg() const { return ops::neg(*this); }
Tensor Tensor::exp() const { return ops::exp(*this); }
Tensor Tensor::log() const { return ops::log(*this); }
Tensor Tensor::sqrt() const { return ops::sqrt(*this); }
Tensor Tensor::abs() const { return ops::abs(*this); }
Tensor Tensor::pow(double exponent) const { return ops::pow(*this, exponent); }

}  // namespace strata
