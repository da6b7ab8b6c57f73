// Elementwise ops: promotion and broadcast checks, kernel dispatch, and backward rules written with ops.
#include "strata/ops/elementwise.h"

#include <cmath>

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

}  // namespace strata
