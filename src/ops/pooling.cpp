// Pooling ops. Each forward and its backward are a pair of linear maps (for max pooling, linear in the
// routed gradient once the selected elements are fixed), so every backward is itself an op whose
// backward is the forward map again: gradients of any order flow.
#include "strata/ops/pooling.h"

#include "kernels/pooling.h"
#include "strata/autograd/node.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::Pool2dParams;

// PyTorch's output size: floor or ceil division, with a ceil-mode window that would start in the end
// padding dropped.
int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t pad, bool ceil_mode) {
  const int64_t span = in + 2 * pad - k + (ceil_mode ? s - 1 : 0);
  int64_t out = (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + pad) --out;
  return out;
}

void check_input(const char* op, const Tensor& x) {
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.dim() == 4, "{}: expected input of shape [N, C, H, W], got {}", op, x.shape().str());
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  STRATA_CHECK(x.size(2) > 0 && x.size(3) > 0, "{}: input of shape {} has an empty plane", op,
               x.shape().str());
}

Pool2dParams pool_params(const char* op, const Tensor& x, Size2 kernel, Size2 stride, Size2 padding,
                         bool ceil_mode) {
  check_input(op, x);
  STRATA_CHECK(kernel.h > 0 && kernel.w > 0, "{}: kernel_size must be positive, got ({}, {})", op, kernel.h,
               kernel.w);
  if (stride.h == 0 && stride.w == 0) stride = kernel;
  STRATA_CHECK(stride.h > 0 && stride.w > 0, "{}: stride must be positive, got ({}, {})", op, stride.h,
               stride.w);
  STRATA_CHECK(padding.h >= 0 && padding.w >= 0, "{}: padding must be non-negative, got ({}, {})", op,
               padding.h, padding.w);
  STRATA_CHECK(padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2,
               "{}: padding ({}, {}) should be at most half of kernel_size ({}, {})", op, padding.h,
               padding.w, kernel.h, kernel.w);
  Pool2dParams p;
  p.kernel = {kernel.h, kernel.w};
  p.stride = {stride.h, stride.w};
  p.pad = {padding.h, padding.w};
  p.out = {pool_out_size(x.size(2), kernel.h, stride.h, padding.h, ceil_mode),
           pool_out_size(x.size(3), kernel.w, stride.w, padding.w, ceil_mode)};
  STRATA_CHECK(
      p.out[0] > 0 && p.out[1] > 0,
      "{}: input of shape {} is too small for kernel_size ({}, {}) with padding ({}, {}) (output {}x{})", op,
      x.shape().str(), kernel.h, kernel.w, padding.h, padding.w, p.out[0], p.out[1]);
  return p;
}

Tensor max_pool_backward_op(const Tensor& g, const Tensor& x, const Tensor& workspace, const Pool2dParams& p);

// The gradient routed back by max pooling, read at the selected elements: max_pool2d_backward's adjoint.
Tensor max_pool_gather_op(const Tensor& x, const Tensor& v, const Pool2dParams& p) {
  Tensor out = kernels::max_pool2d_gather(x, v, p);
  return record("max_pool2d_backward", out, {v},
                [x, p](const Tensor& g) { return Grads{max_pool_backward_op(g, x, Tensor(), p)}; });
}

Tensor max_pool_backward_op(const Tensor& g, const Tensor& x, const Tensor& workspace,
                            const Pool2dParams& p) {
  Tensor out = kernels::max_pool2d_backward(g, x, workspace, p);
  return record("max_pool2d_backward", out, {g},
                [x, p](const Tensor& u) { return Grads{max_pool_gather_op(x, u, p)}; });
}

Tensor max_pool_op(const char* name, const Tensor& x, const Pool2dParams& p) {
  kernels::MaxPoolResult r = kernels::max_pool2d(x, p, autograd::needs_grad({x}));
  return record(name, r.out, {x}, [x, ws = r.workspace, p](const Tensor& g) {
    return Grads{max_pool_backward_op(g, x, ws, p)};
  });
}

Tensor avg_pool_op(const Tensor& x, const Pool2dParams& p, bool include_pad);

Tensor avg_pool_backward_op(const Tensor& g, const Shape& x_shape, const Pool2dParams& p, bool include_pad) {
  Tensor out = kernels::avg_pool2d_backward(g, x_shape, p, include_pad);
  return record("avg_pool2d_backward", out, {g},
                [p, include_pad](const Tensor& u) { return Grads{avg_pool_op(u, p, include_pad)}; });
}

Tensor avg_pool_op(const Tensor& x, const Pool2dParams& p, bool include_pad) {
  Tensor out = kernels::avg_pool2d(x, p, include_pad);
  return record("avg_pool2d", out, {x}, [shape = x.shape(), p, include_pad](const Tensor& g) {
    return Grads{avg_pool_backward_op(g, shape, p, include_pad)};
  });
}

Tensor adaptive_op(const Tensor& x, int64_t oh, int64_t ow);

Tensor adaptive_backward_op(const Tensor& g, const Shape& x_shape) {
  Tensor out = kernels::adaptive_avg_pool2d_backward(g, x_shape);
  return record("adaptive_avg_pool2d_backward", out, {g},
                [oh = g.size(2), ow = g.size(3)](const Tensor& u) { return Grads{adaptive_op(u, oh, ow)}; });
}

Tensor adaptive_op(const Tensor& x, int64_t oh, int64_t ow) {
  Tensor out = kernels::adaptive_avg_pool2d(x, oh, ow);
  return record("adaptive_avg_pool2d", out, {x},
                [shape = x.shape()](const Tensor& g) { return Grads{adaptive_backward_op(g, shape)}; });
}

// x [N, C, L] or [C, L] as [N, C, 1, L] (a view); the pooled result is viewed back to x's rank.
Tensor as_planes(const char* op, const Tensor& x, int64_t kernel_size, int64_t stride, int64_t padding,
                 bool ceil_mode) {
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.dim() == 2 || x.dim() == 3, "{}: expected input of shape [N, C, L] or [C, L], got {}", op,
               x.shape().str());
  STRATA_CHECK(kernel_size > 0, "{}: kernel_size must be positive, got {}", op, kernel_size);
  STRATA_CHECK(stride >= 0, "{}: stride must be positive, got {}", op, stride);
  STRATA_CHECK(padding >= 0 && padding <= kernel_size / 2,
               "{}: padding should be non-negative and at most half of kernel_size {}, got {}", op,
               kernel_size, padding);
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  const int64_t length = x.size(-1);
  const int64_t out =
      length > 0 ? pool_out_size(length, kernel_size, stride ? stride : kernel_size, padding, ceil_mode) : 0;
  STRATA_CHECK(out > 0,
               "{}: input of shape {} is too small for kernel_size {} with padding {} (output length {})", op,
               x.shape().str(), kernel_size, padding, out);
  const Tensor batched = x.dim() == 2 ? unsqueeze(x, 0) : x;
  return unsqueeze(batched, 2);
}

Tensor from_planes(const Tensor& y, int64_t input_dim) {
  const Tensor rows = squeeze(y, 2);
  return input_dim == 2 ? squeeze(rows, 0) : rows;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode) {
  const Pool2dParams p = pool_params("max_pool2d", x, kernel_size, stride, padding, ceil_mode);
  return max_pool_op("max_pool2d", x, p);
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad) {
  const Pool2dParams p = pool_params("avg_pool2d", x, kernel_size, stride, padding, ceil_mode);
  return avg_pool_op(x, p, count_include_pad);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  check_input("adaptive_avg_pool2d", x);
  STRATA_CHECK(output_size.h > 0 && output_size.w > 0,
               "adaptive_avg_pool2d: output_size must be positive, got ({}, {})", output_size.h,
               output_size.w);
  return adaptive_op(x, output_size.h, output_size.w);
}

Tensor max_pool1d(const Tensor& x, int64_t kernel_size, int64_t stride, int64_t padding, bool ceil_mode) {
  const Tensor x4 = as_planes("max_pool1d", x, kernel_size, stride, padding, ceil_mode);
  const Pool2dParams p = pool_params("max_pool1d", x4, Size2(1, kernel_size),
                                     Size2(1, stride ? stride : kernel_size), Size2(0, padding), ceil_mode);
  return from_planes(max_pool_op("max_pool1d", x4, p), x.dim());
}

Tensor avg_pool1d(const Tensor& x, int64_t kernel_size, int64_t stride, int64_t padding, bool ceil_mode,
                  bool count_include_pad) {
  const Tensor x4 = as_planes("avg_pool1d", x, kernel_size, stride, padding, ceil_mode);
  const Pool2dParams p = pool_params("avg_pool1d", x4, Size2(1, kernel_size),
                                     Size2(1, stride ? stride : kernel_size), Size2(0, padding), ceil_mode);
  return from_planes(avg_pool_op(x4, p, count_include_pad), x.dim());
}

}  // namespace strata::ops
