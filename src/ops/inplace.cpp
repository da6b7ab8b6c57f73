// In-place updates for optimisers and initialisers. They are refused on tensors that autograd may still
// need (anything that requires grad while grad mode is on) and bump the storage version so a backward
// that saved the old values can tell.
#include "kernels/elementwise.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/core/tensor.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/view.h"

namespace strata {
namespace {

using kernels::BinaryOp;

void check_inplace(const Tensor& self, const char* op) {
  STRATA_CHECK(self.defined(), "{}: tensor is undefined", op);
  STRATA_CHECK(!(self.requires_grad() && autograd::grad_mode_enabled()),
               "{}: in-place operation on a tensor that requires grad{}; run it under NoGradGuard or use the "
               "out-of-place op",
               op, self.is_leaf() ? " (a leaf)" : " (part of a recorded graph)");
}

// `other` converted to self's dtype and checked to broadcast to self's shape.
Tensor operand(const Tensor& self, const Tensor& other, const char* op) {
  STRATA_CHECK(other.defined(), "{}: undefined tensor argument", op);
  STRATA_CHECK(self.device() == other.device(), "{}: tensors are on different devices ({} and {})", op,
               self.device().str(), other.device().str());
  const Shape b = broadcast_shapes(self.shape(), other.shape(), op);
  STRATA_CHECK(b == self.shape(), "{}: shape {} cannot be broadcast to the in-place target's shape {}", op,
               other.shape().str(), self.shape().str());
  return other.dtype() == self.dtype() ? other.detach() : ops::to_dtype(other.detach(), self.dtype());
}

Tensor scalar_like(const Tensor& self, double v) {
  return full({}, v, {.dtype = self.dtype(), .device = self.device()});
}

Tensor& apply(Tensor& self, BinaryOp op, const Tensor& other) {
  kernels::binary_(op, self, other);
  self.storage().bump_version();
  return self;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  Tensor o = operand(*this, other, "add_");
  if (alpha != 1.0) o = kernels::unary(kernels::UnaryOp::MulScalar, o, {alpha});
  return apply(*this, BinaryOp::Add, o);
}

Tensor& Tensor::add_(double value) {
  check_inplace(*this, "add_");
  return apply(*this, BinaryOp::Add, scalar_like(*this, value));
}

Tensor& Tensor::sub_(const Tensor& other, double alpha) { return add_(other, -alpha); }

Tensor& Tensor::mul_(const Tensor& other) {
  check_inplace(*this, "mul_");
  return apply(*this, BinaryOp::Mul, operand(*this, other, "mul_"));
}

Tensor& Tensor::mul_(double value) {
  check_inplace(*this, "mul_");
  return apply(*this, BinaryOp::Mul, scalar_like(*this, value));
}

Tensor& Tensor::div_(const Tensor& other) {
  check_inplace(*this, "div_");
  return apply(*this, BinaryOp::Div, operand(*this, other, "div_"));
}

Tensor& Tensor::div_(double value) {
  check_inplace(*this, "div_");
  return apply(*this, BinaryOp::Div, scalar_like(*this, value));
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  kernels::fill(*this, value);
  storage().bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  STRATA_CHECK(src.defined(), "copy_: undefined source");
  const Shape b = broadcast_shapes(shape(), src.shape(), "copy_");
  STRATA_CHECK(b == shape(), "copy_: source of shape {} cannot be broadcast to {}", src.shape().str(),
               shape().str());
  kernels::copy(*this, src);
  storage().bump_version();
  return *this;
}

}  // namespace strata
