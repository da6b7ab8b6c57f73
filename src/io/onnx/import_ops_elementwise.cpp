// The ONNX importer's elementwise arithmetic, rounding, trigonometric, comparison and logical operators.
#include <algorithm>
#include <limits>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

// Integer results keep the integer type (ONNX's rule), floating ones the inputs' type.
Tensor keep_type(const Tensor& out, const Tensor& like) {
  return out.dtype() == like.dtype() ? out : out.to(like.dtype());
}

Tensors op_add(const OpContext& c) { return {F::add(c.required(0), c.required(1))}; }
Tensors op_sub(const OpContext& c) { return {F::sub(c.required(0), c.required(1))}; }
Tensors op_mul(const OpContext& c) { return {F::mul(c.required(0), c.required(1))}; }
Tensors op_div(const OpContext& c) {
  const Tensor& a = c.required(0);
  if (!a.is_floating_point())  // integer division truncates toward zero (as the f64 -> i64 conversion does)
    return {F::div(a.to(kFloat64), c.required(1).to(kFloat64)).to(kInt64)};
  return {F::div(a, c.required(1))};
}
Tensors op_pow(const OpContext& c) {
  return {keep_type(F::pow(c.required(0), c.required(1)), c.required(0))};
}
Tensors op_sqrt(const OpContext& c) { return {F::sqrt(c.required(0))}; }
Tensors op_exp(const OpContext& c) { return {F::exp(c.required(0))}; }
Tensors op_log(const OpContext& c) { return {F::log(c.required(0))}; }
Tensors op_neg(const OpContext& c) { return {F::neg(c.required(0))}; }
Tensors op_abs(const OpContext& c) { return {F::abs(c.required(0))}; }
Tensors op_sign(const OpContext& c) { return {F::sign(c.required(0))}; }
Tensors op_reciprocal(const OpContext& c) { return {F::reciprocal(c.required(0))}; }
Tensors op_sin(const OpContext& c) { return {F::sin(c.required(0))}; }
Tensors op_cos(const OpContext& c) { return {F::cos(c.required(0))}; }
Tensors op_erf(const OpContext& c) { return {F::erf(c.required(0))}; }

// Sum, Mean, Max, Min over any number of inputs, broadcasting.
template <int Kind>
Tensors op_variadic(const OpContext& c) {
  Tensor acc = c.required(0);
  for (size_t i = 1; i < c.inputs.size(); ++i) {
    const Tensor& x = c.required(i);
    acc = Kind == 0 || Kind == 1 ? F::add(acc, x) : Kind == 2 ? F::maximum(acc, x) : F::minimum(acc, x);
  }
  if (Kind == 1) acc = F::div(acc, static_cast<double>(c.inputs.size()));
  if (c.inputs.size() == 1) acc = acc.clone();
  return {acc};
}

Tensors op_where(const OpContext& c) {
  const Tensor& cond = c.required(0);
  return {F::where(cond.dtype() == kUInt8 ? cond : F::ne(cond, 0.0), c.required(1), c.required(2))};
}
template <int Kind>
Tensors op_compare(const OpContext& c) {
  const Tensor &a = c.required(0), &b = c.required(1);
  switch (Kind) {
    case 0:
      return {F::eq(a, b)};
    case 1:
      return {F::lt(a, b)};
    case 2:
      return {F::gt(a, b)};
    case 3:
      return {F::le(a, b)};
    default:
      return {F::ge(a, b)};
  }
}
Tensors op_not(const OpContext& c) { return {F::eq(c.required(0), 0.0)}; }
template <int Kind>
Tensors op_logical(const OpContext& c) {
  const Tensor a = F::ne(c.required(0), 0.0).to(kInt64), b = F::ne(c.required(1), 0.0).to(kInt64);
  switch (Kind) {
    case 0:
      return {F::gt(F::mul(a, b), 0.0)};
    case 1:
      return {F::gt(F::add(a, b), 0.0)};
    default:
      return {F::ne(a, b)};
  }
}

Tensors op_floor(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor t = trunc(x);
  return {F::where(F::lt(x, t), F::sub(t, 1.0), t)};
}
Tensors op_ceil(const OpContext& c) {
  const Tensor& x = c.required(0);
  const Tensor t = trunc(x);
  return {F::where(F::gt(x, t), F::add(t, 1.0), t)};
}
Tensors op_round(const OpContext& c) {  // halves to even
  const Tensor& x = c.required(0);
  const Tensor up = F::add(x, 0.5);
  const Tensor t = trunc(up);
  const Tensor f = F::where(F::lt(up, t), F::sub(t, 1.0), t);  // floor(x + 0.5)
  const Tensor half = F::sub(f, F::mul(trunc(F::div(f, 2.0)), 2.0));
  const Tensor odd = F::ne(half, 0.0);
  return {F::where(F::eq(F::sub(f, x), 0.5), F::where(odd, F::sub(f, 1.0), f), f)};
}
Tensors op_isnan(const OpContext& c) { return {F::ne(c.required(0), c.required(0))}; }
Tensors op_isinf(const OpContext& c) {
  const Tensor& x = c.required(0);
  const bool pos = c.node.attr_int("detect_positive", 1) != 0,
             neg = c.node.attr_int("detect_negative", 1) != 0;
  const double inf = std::numeric_limits<double>::infinity();
  if (pos && neg) return {F::eq(F::abs(x), inf)};
  if (pos) return {F::eq(x, inf)};
  if (neg) return {F::eq(x, -inf)};
  return {zeros(x.shape(), {.dtype = kUInt8})};
}
// Mod: fmod = 1 takes the dividend's sign (C's fmod), fmod = 0 the divisor's (Python's %).
Tensors op_mod(const OpContext& c) {
  const Tensor &a = c.required(0), &b = c.required(1);
  const Tensor x = a.to(kFloat64), y = b.to(kFloat64);
  const Tensor q = F::div(x, y);
  Tensor r;
  if (c.node.attr_int("fmod", 0) != 0) {
    r = F::sub(x, F::mul(y, trunc(q)));
  } else {
    STRATA_CHECK(!a.is_floating_point(), "{}: fmod=0 needs integer inputs", c.node.label());
    const Tensor t = trunc(q);
    r = F::sub(x, F::mul(y, F::where(F::lt(q, t), F::sub(t, 1.0), t)));
  }
  return {r.to(a.dtype())};
}

// Hyperbolic and inverse-hyperbolic functions and Tan, as compositions of exp, log, sqrt, sin and cos.
Tensors op_sinh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::sub(F::exp(x), F::exp(F::neg(x))), 0.5)};
}
Tensors op_cosh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::add(F::exp(x), F::exp(F::neg(x))), 0.5)};
}
Tensors op_tan(const OpContext& c) { return {F::div(F::sin(c.required(0)), F::cos(c.required(0)))}; }
Tensors op_asinh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::log(F::add(x, F::sqrt(F::add(F::square(x), 1.0))))};
}
Tensors op_acosh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::log(F::add(x, F::sqrt(F::sub(F::square(x), 1.0))))};
}
Tensors op_atanh(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::mul(F::log(F::div(F::add(x, 1.0), F::rsub(x, 1.0))), 0.5)};
}
Tensors op_shrink(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double lambd = c.node.attr_float("lambd", 0.5), bias = c.node.attr_float("bias", 0.0);
  const Tensor y =
      F::where(F::lt(x, -lambd), F::add(x, bias), F::where(F::gt(x, lambd), F::sub(x, bias), zeros_like(x)));
  return {y.dtype() == x.dtype() ? y : y.to(x.dtype())};
}

}  // namespace

void add_elementwise_ops(OperatorTable& table) {
  table.insert({
      {"Abs", op_abs},
      {"Acosh", op_acosh},
      {"Add", op_add},
      {"And", op_logical<0>},
      {"Asinh", op_asinh},
      {"Atanh", op_atanh},
      {"Ceil", op_ceil},
      {"Cos", op_cos},
      {"Cosh", op_cosh},
      {"Div", op_div},
      {"Equal", op_compare<0>},
      {"Erf", op_erf},
      {"Exp", op_exp},
      {"Floor", op_floor},
      {"Greater", op_compare<2>},
      {"GreaterOrEqual", op_compare<4>},
      {"IsInf", op_isinf},
      {"IsNaN", op_isnan},
      {"Less", op_compare<1>},
      {"LessOrEqual", op_compare<3>},
      {"Log", op_log},
      {"Max", op_variadic<2>},
      {"Mean", op_variadic<1>},
      {"Min", op_variadic<3>},
      {"Mod", op_mod},
      {"Mul", op_mul},
      {"Neg", op_neg},
      {"Not", op_not},
      {"Or", op_logical<1>},
      {"Pow", op_pow},
      {"Reciprocal", op_reciprocal},
      {"Round", op_round},
      {"Shrink", op_shrink},
      {"Sign", op_sign},
      {"Sin", op_sin},
      {"Sinh", op_sinh},
      {"Sqrt", op_sqrt},
      {"Sub", op_sub},
      {"Sum", op_variadic<0>},
      {"Tan", op_tan},
      {"Where", op_where},
      {"Xor", op_logical<2>},
  });
}

}  // namespace strata::onnx::detail
