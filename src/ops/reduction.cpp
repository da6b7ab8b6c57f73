// Reductions: sum is the primitive other reductions' backward rules lean on. Forward values come from the
// fused kernels in kernels/reduce.h; every backward is written with ops, so it is differentiable again.
#include "strata/ops/reduction.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "autograd/saved_output.h"
#include "kernels/elementwise.h"
#include "kernels/reduce.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::ReduceOp;

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

// A reduction's result with its reduced dims back as size 1 (unchanged when keepdim), ready to broadcast.
Tensor restore_dims(const Tensor& t, const Shape& in_shape, const Shape& dims, bool keepdim) {
  if (keepdim) return t;
  Shape s = in_shape;
  if (dims.empty()) {
    s = Shape::filled(in_shape.size(), 1);
  } else {
    for (int64_t d : dims) s[d] = 1;
  }
  return reshape(t, s);
}

// Elements combined into each output of a reduction over (normalized) dims.
int64_t reduced_count(const Shape& shape, const Shape& dims) {
  if (dims.empty()) return shape.numel();
  int64_t n = 1;
  for (int64_t d : dims) n *= shape[d];
  return n;
}

void check_defined(const Tensor& x, const char* op) {
  STRATA_CHECK(x.defined(), "{}: undefined tensor argument", op);
}

// PyTorch refuses these reductions on integral tensors rather than guessing an output dtype.
void check_floating(const Tensor& x, const char* op) {
  check_defined(x, op);
  STRATA_CHECK(x.is_floating_point(),
               "{}: expected a floating point tensor, got {} of shape {} (convert it with .to(kFloat32))", op,
               dtype_name(x.dtype()), x.shape().str());
}

void check_not_empty(const Tensor& x, const Shape& dims, const char* op) {
  STRATA_CHECK(reduced_count(x.shape(), dims) > 0,
               "{}: cannot reduce over an empty dimension (input of shape {}, dims {}): the operation has no "
               "identity",
               op, x.shape().str(), dims.empty() ? std::string("all") : dims.str());
}

// 1 where mask is nonzero, as dtype (a constant: masks carry no gradient).
Tensor as_dtype(const Tensor& mask, Dtype dtype) { return to_dtype(mask, dtype); }

// d prod / d x for a product over dims, correct with zeros: a slice without zeros gives prod / x; a slice
// with one zero gives the product of the others at the zero and 0 elsewhere; more zeros give 0.
Tensor prod_backward(const Tensor& g, const Tensor& x, const Shape& dims, bool keepdim);

Tensor prod_over(const Tensor& x, const Shape& dims, bool keepdim) {
  const Tensor in = x.dtype() == kUInt8 ? to_dtype(x, kInt64) : x;
  Tensor out = kernels::reduce(ReduceOp::Prod, in, dims, keepdim);
  return record("prod", out, {x},
                [x, dims, keepdim](const Tensor& g) { return Grads{prod_backward(g, x, dims, keepdim)}; });
}

Tensor prod_backward(const Tensor& g, const Tensor& x, const Shape& dims, bool keepdim) {
  const Tensor zero = as_dtype(eq(detach(x), 0.0), x.dtype());
  const Tensor zeros_in_slice = sum(zero, dims, true);
  // x with its zeros replaced by ones (the zeros' own gradient stays 0 through the (1 - zero) factor).
  const Tensor x_safe = add(mul(x, rsub(zero, 1.0)), zero);
  const Tensor p = prod_over(x_safe, dims, true);
  const Tensor none = as_dtype(eq(zeros_in_slice, 0.0), x.dtype());
  const Tensor one = as_dtype(eq(zeros_in_slice, 1.0), x.dtype());
  const Tensor factor = add(mul(div(p, x_safe), none), mul(mul(p, zero), one));
  return mul(factor, restore_dims(g, x.shape(), dims, keepdim));
}

// max / min / amax / amin over dims: the gradient is shared evenly among the elements equal to the result.
Tensor extreme(const Tensor& x, const Shape& dims, bool keepdim, bool is_max, const char* op) {
  check_defined(x, op);
  const Shape d = normalize_dims(x, dims, op);
  check_not_empty(x, d, op);
  Tensor out = kernels::reduce(is_max ? ReduceOp::Max : ReduceOp::Min, x, d, keepdim);
  return record(op, out, {x}, [x, d, keepdim, y = out.detach()](const Tensor& g) {
    const Tensor hit = as_dtype(eq(detach(x), restore_dims(y, x.shape(), d, keepdim)), g.dtype());
    const Tensor share = div(hit, sum(hit, d, true));
    return Grads{mul(share, restore_dims(g, x.shape(), d, keepdim))};
  });
}

// Zeros of `shape` with g placed at `indices` along dim (the backward of taking one element per slice).
Tensor place_at_indices(const Tensor& g, const Tensor& indices, const Shape& shape, int64_t dim,
                        bool keepdim) {
  if (shape.empty()) return g;
  const Tensor gk = keepdim ? g : unsqueeze(g, dim);
  const Tensor ik = keepdim ? indices : unsqueeze(indices, dim);
  Shape pos_shape = Shape::filled(shape.size(), 1);
  pos_shape[dim] = shape[dim];
  const Tensor pos =
      reshape(arange(static_cast<double>(shape[dim]), {.dtype = kInt64, .device = g.device()}), pos_shape);
  return mul(as_dtype(eq(pos, ik), g.dtype()), gk);
}

ValuesIndices extreme_along(const Tensor& x, int64_t dim, bool keepdim, bool is_max, const char* op) {
  check_defined(x, op);
  const int64_t d = wrap_dim(dim, x.dim(), op);
  if (x.dim() > 0) {
    STRATA_CHECK(x.size(d) > 0, "{}: cannot reduce over dim {} of size 0 (input of shape {})", op, d,
                 x.shape().str());
  }
  auto [values, indices] = kernels::arg_reduce(is_max ? ReduceOp::Max : ReduceOp::Min, x, d, keepdim);
  values = record(op, values, {x}, [shape = x.shape(), d, keepdim, indices](const Tensor& g) {
    return Grads{place_at_indices(g, indices, shape, d, keepdim)};
  });
  return {values, indices};
}

Tensor arg_index(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_max, const char* op) {
  check_defined(x, op);
  const ReduceOp rop = is_max ? ReduceOp::Max : ReduceOp::Min;
  if (!dim) {
    STRATA_CHECK(x.numel() > 0, "{}: cannot take the {} of an empty tensor (shape {})", op,
                 is_max ? "argmax" : "argmin", x.shape().str());
    return kernels::arg_reduce(rop, reshape(detach(x), {-1}), 0, false).second;
  }
  const int64_t d = wrap_dim(*dim, x.dim(), op);
  if (x.dim() > 0) {
    STRATA_CHECK(x.size(d) > 0, "{}: cannot reduce over dim {} of size 0 (input of shape {})", op, d,
                 x.shape().str());
  }
  return kernels::arg_reduce(rop, x, d, keepdim).second;
}

// var and std share a two-pass kernel; their backward rules differ by the 1 / (2 std) factor.
Tensor moments(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  check_floating(x, op);
  const Shape d = normalize_dims(x, dims, op);
  const double correction = unbiased ? 1.0 : 0.0;
  const double denom = std::max(0.0, static_cast<double>(reduced_count(x.shape(), d)) - correction);
  Tensor out = kernels::var(x, d, correction, keepdim, take_sqrt);
  if (!take_sqrt) {
    return record("var", out, {x}, [x, d, keepdim, denom](const Tensor& g) {
      const Tensor centered = sub(x, mean(x, d, true));
      return Grads{mul(centered, mul(restore_dims(g, x.shape(), d, keepdim), 2.0 / denom))};
    });
  }
  auto saved = std::make_shared<autograd::SavedOutput>(out);
  Tensor result = record("std", out, {x}, [x, d, keepdim, denom, saved](const Tensor& g) {
    const Tensor centered = sub(x, mean(x, d, true));
    const Tensor s = restore_dims(saved->get(), x.shape(), d, keepdim);
    return Grads{mul(centered, div(restore_dims(g, x.shape(), d, keepdim), mul(s, denom)))};
  });
  saved->bind(result);
  return result;
}

Tensor norm_backward(const Tensor& g, const Tensor& x, double p, const Shape& d, bool keepdim,
                     const Tensor& n) {
  if (p == 0) return zeros_like(x);
  const Tensor gk = restore_dims(g, x.shape(), d, keepdim);
  const Tensor sgn = kernels::unary(kernels::UnaryOp::Sign, x);  // piecewise constant: no gradient
  if (p == 1) return mul(sgn, gk);
  if (std::isinf(p)) {
    // Shared evenly among the elements whose |x| is the max (min for -inf), like max().
    const Tensor hit = as_dtype(eq(kernels::unary(kernels::UnaryOp::Abs, x), detach(n)), x.dtype());
    return mul(mul(sgn, div(hit, sum(hit, d, true))), gk);
  }
  // Where the norm is 0 the whole slice is 0; dividing by 1 there keeps the gradient 0 instead of NaN.
  const Tensor safe = add(n, as_dtype(eq(detach(n), 0.0), n.dtype()));
  if (p == 2) return mul(x, div(gk, safe));
  return mul(mul(sgn, pow(abs(x), p - 1.0)), div(gk, pow(safe, p - 1.0)));
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

Tensor mean(const Tensor& x) { return mean(x, Shape{}, false); }

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  check_floating(x, "mean");
  const Shape d = normalize_dims(x, dims, "mean");
  const double n = static_cast<double>(reduced_count(x.shape(), d));
  Tensor out = kernels::reduce(ReduceOp::Mean, x, d, keepdim);
  return record("mean", out, {x}, [in_shape = x.shape(), d, keepdim, n](const Tensor& g) {
    return Grads{expand_reduced(div(g, n), in_shape, d, keepdim)};
  });
}

Tensor var(const Tensor& x, bool unbiased) { return moments(x, Shape{}, unbiased, false, false); }
Tensor var(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return moments(x, dims, unbiased, keepdim, false);
}
Tensor std(const Tensor& x, bool unbiased) { return moments(x, Shape{}, unbiased, false, true); }
Tensor std(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return moments(x, dims, unbiased, keepdim, true);
}

Tensor prod(const Tensor& x) {
  check_defined(x, "prod");
  return prod_over(x, Shape{}, false);
}

Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  check_defined(x, "prod");
  const int64_t d = wrap_dim(dim, x.dim(), "prod");
  return prod_over(x, x.dim() == 0 ? Shape{} : Shape{d}, keepdim);
}

Tensor max(const Tensor& x) { return extreme(x, Shape{}, false, true, "max"); }
Tensor min(const Tensor& x) { return extreme(x, Shape{}, false, false, "min"); }
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_along(x, dim, keepdim, true, "max");
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_along(x, dim, keepdim, false, "min");
}
Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme(x, dims, keepdim, true, "amax");
}
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme(x, dims, keepdim, false, "amin");
}

Tensor argmax(const Tensor& x) { return arg_index(x, std::nullopt, false, true, "argmax"); }
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_index(x, dim, keepdim, true, "argmax");
}
Tensor argmin(const Tensor& x) { return arg_index(x, std::nullopt, false, false, "argmin"); }
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_index(x, dim, keepdim, false, "argmin");
}

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  check_defined(x, "logsumexp");
  // Integral inputs compute in f32, as PyTorch does.
  const Tensor in = x.is_floating_point() ? x : to_dtype(x, kFloat32);
  const Shape d = normalize_dims(x, dims, "logsumexp");
  Tensor out = kernels::logsumexp(in, d, keepdim);
  auto saved = std::make_shared<autograd::SavedOutput>(out);
  Tensor result = record("logsumexp", out, {x}, [x, d, keepdim, saved](const Tensor& g) {
    const Tensor lse = restore_dims(saved->get(), x.shape(), d, keepdim);
    return Grads{mul(restore_dims(g, x.shape(), d, keepdim), exp(sub(x, lse)))};
  });
  saved->bind(result);
  return result;
}

Tensor norm(const Tensor& x, double p) { return norm(x, p, Shape{}, false); }

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  check_floating(x, "norm");
  STRATA_CHECK(!std::isnan(p), "norm: p must be a number, got NaN");
  const Shape d = normalize_dims(x, dims, "norm");
  if (std::isinf(p)) check_not_empty(x, d, "norm");
  Tensor out = kernels::norm(x, p, d, keepdim);
  auto saved = std::make_shared<autograd::SavedOutput>(out);
  Tensor result = record("norm", out, {x}, [x, p, d, keepdim, saved](const Tensor& g) {
    return Grads{norm_backward(g, x, p, d, keepdim, restore_dims(saved->get(), x.shape(), d, keepdim))};
  });
  saved->bind(result);
  return result;
}

}  // namespace strata::ops

namespace strata {
Tensor Tensor::sum() const { return ops::sum(*this); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return ops::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return ops::mean(*this); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return ops::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return ops::max(*this); }
Tensor Tensor::min() const { return ops::min(*this); }
Tensor Tensor::argmax() const { return ops::argmax(*this); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return ops::argmax(*this, dim, keepdim); }
}  // namespace strata
