// Device dispatch for elementwise kernels.
#include "kernels/elementwise.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/dispatch.h"
#include "strata/core/numel.h"

namespace strata::kernels {

void unsupported_device(const char* op, Device device) {
  STRATA_FAIL("{}: no kernel for device {} in this build (strata was built without CUDA)", op, device.str());
}

void unsupported_dtype(const char* op, Dtype dtype) {
  STRATA_FAIL("{}: dtype {} is not supported", op, dtype_name(dtype));
}

bool is_comparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::Eq:
    case BinaryOp::Ne:
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      return true;
    default:
      return false;
  }
}

Tensor empty(const Shape& shape, Dtype dtype, Device device) {
  size_t nbytes = 0;
  STRATA_CHECK(!__builtin_mul_overflow(static_cast<size_t>(checked_numel(shape, "empty")),
                                       element_size(dtype), &nbytes),
               "empty: a {} tensor of shape {} needs more bytes than a 64-bit size holds", dtype_name(dtype),
               shape.str());
  auto storage = make_intrusive<Storage>(nbytes, device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), shape, contiguous_strides(shape), 0, dtype));
}

Tensor unary(UnaryOp op, const Tensor& x, UnaryParams params) {
  if (x.device().is_cpu()) return cpu::unary(op, x, params);
  unsupported_device("unary", x.device());
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  if (a.device().is_cpu()) return cpu::binary(op, a, b);
  unsupported_device("binary", a.device());
}

void binary_(BinaryOp op, const Tensor& dst, const Tensor& src) {
  if (dst.device().is_cpu()) return cpu::binary_(op, dst, src);
  unsupported_device("binary_", dst.device());
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (a.device().is_cpu()) return cpu::where(cond, a, b);
  unsupported_device("where", a.device());
}

void copy(const Tensor& dst, const Tensor& src) {
  if (dst.device().is_cpu() && src.device().is_cpu()) return cpu::copy(dst, src);
  unsupported_device("copy", dst.device().is_cpu() ? src.device() : dst.device());
}

void fill(const Tensor& dst, double value) {
  if (dst.device().is_cpu()) return cpu::fill(dst, value);
  unsupported_device("fill", dst.device());
}

}  // namespace strata::kernels
