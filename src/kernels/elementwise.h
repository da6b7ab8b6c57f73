#pragma once
// Elementwise kernels: no autograd, any device. Inputs of binary kernels share a dtype (ops promote).
#include "strata/core/tensor.h"

namespace strata::kernels {

enum class UnaryOp {
  Neg,
  Exp,
  Log,
  Log1p,
  Sqrt,
  Rsqrt,
  Abs,
  Sign,
  Erf,
  Sin,
  Cos,
  Reciprocal,
  Square,
  Relu,
  Sigmoid,
  Tanh,
  GeluErf,
  GeluTanh,
  Silu,
  Selu,
  Hardsigmoid,
  Hardswish,
  Mish,
  LeakyRelu,   // alpha = negative slope
  Elu,         // alpha
  Softplus,    // alpha = beta, beta = threshold
  PowScalar,   // x ^ alpha
  RPowScalar,  // alpha ^ x
  Clamp,       // clamp to [alpha, beta] (use +-inf for an absent bound)
  AddScalar,   // x + alpha
  MulScalar,   // x * alpha
  RSubScalar,  // alpha - x
  RDivScalar,  // alpha / x
};

struct UnaryParams {
  double alpha = 0.0;
  double beta = 0.0;
};

enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge };

// True for comparison ops (their output is a u8 mask).
bool is_comparison(BinaryOp op);

// out = op(x), same dtype and shape, contiguous.
Tensor unary(UnaryOp op, const Tensor& x, UnaryParams params = {});
// out = op(a, b) with broadcasting; a and b share a dtype; comparisons give u8.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
// dst = op(dst, src) in place, src broadcast to dst's shape.
void binary_(BinaryOp op, const Tensor& dst, const Tensor& src);
// cond (u8) ? a : b with broadcasting; a and b share a dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// dst = src elementwise, src broadcast to dst, converting dtypes.
void copy(const Tensor& dst, const Tensor& src);
// Sets every element of dst (any strides) to value.
void fill(const Tensor& dst, double value);
// Allocates a contiguous tensor.
Tensor empty(const Shape& shape, Dtype dtype, Device device);

}  // namespace strata::kernels
