// Reductions: sum is the primitive other reductions' backward rules lean on.
#include "strata/ops/reduction.h"

#include <algorithm>

#include "kernels/reduce.h"
#include "strata/autograd/node.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

// Wraps and sorts dims, rejecting repeats; empty means all dims.
Shape normalize_dims(const Tensor& x, const Shape& dims, const char* op) {
  Shape out;
  std::array<bool, kMaxDims> seen{};
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, x.dim(), op);
    if (x.dim() == 0) continue;
    STRATA_CHECK(!seen[w], "{}: dim {} appears more than once in {}", op, w, dims.str());
    seen[w] = true;
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Brings the gradient of a reduction (shape with or without kept dims) back to the input's shape.
Tensor expand_reduced(const Tensor& g, const Shape& in_shape, const Shape& dims, bool keepdim) {
  Tensor r = g;
  if (!keepdim) {
    if (dims.empty()) {
      r = reshape(r, Shape::filled(in_shape.size(), 1));
    } else {
      for (int64_t d : dims) r = unsqueeze(r, d);
    }
  }
  return expand(r, in_shape);
}

}  // namespace

Tensor sum(const Tensor& x) { return sum(x, Shape{}, false); }

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  STRATA_CHECK(x.defined(), "sum: undefined tensor argument");
  const Shape d = normalize_dims(x, dims, "sum");
  const Tensor in = x.dtype() == kUInt8 ? to_dtype(x, kInt64) : x;
  Tensor out = kernels::reduce(kernels::ReduceOp::Sum, in, d, keepdim);
  return record("sum", out, {x}, [in_shape = x.shape(), d, keepdim](const Tensor& g) {
    return Grads{expand_reduced(g, in_shape, d, keepdim)};
  });
}

}  // namespace strata::ops

namespace strata {
Tensor Tensor::sum() const { return ops::sum(*this); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return ops::sum(*this, dims, keepdim); }
}  // namespace strata
