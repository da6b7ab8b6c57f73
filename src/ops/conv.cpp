// Convolutions. Three primitives close under differentiation: the forward convolution, its gradient
// w.r.t. the input (a transposed convolution) and its gradient w.r.t. the weight. Each is an op whose
// backward is written with the other two, so gradients of any order flow. conv_transpose2d is the
// input-gradient primitive run forwards; conv1d is conv2d with H = 1.
#include "strata/ops/conv.h"

#include <algorithm>
#include <string_view>

#include "kernels/conv.h"
#include "ops/autocast.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::Conv2dParams;

Tensor conv_forward(const char* name, const Tensor& x, const Tensor& w, const Tensor& b,
                    const Conv2dParams& p);
Tensor conv_input_grad(const char* name, const Tensor& g, const Tensor& w, const Shape& x_shape,
                       const Conv2dParams& p);
Tensor conv_weight_grad(const char* name, const Tensor& g, const Tensor& x, const Shape& w_shape,
                        const Conv2dParams& p);

// y = conv(x, w) + b. Backward: input grad, weight grad, and the bias grad summed over N, H, W.
Tensor conv_forward(const char* name, const Tensor& x, const Tensor& w, const Tensor& b,
                    const Conv2dParams& p) {
  Tensor out = kernels::conv2d(x, w, b, p);
  return record(name, out, {x, w, b}, [name, x, w, b, p](const Tensor& g) {
    Grads r(3);
    const bool need_b = b.defined() && b.requires_grad();
    if (x.requires_grad() && w.requires_grad() && !autograd::grad_mode_enabled()) {
      // First-order backward: one kernel call gives all three, converting g once for both products.
      r[0] = kernels::conv2d_backward(g, x, w, p, &r[1], need_b ? &r[2] : nullptr);
      return r;
    }
    if (x.requires_grad()) r[0] = conv_input_grad(name, g, w, x.shape(), p);
    if (w.requires_grad() && need_b && !autograd::grad_mode_enabled()) {
      // First-order backward: one oneDNN pass gives both.
      Tensor gb;
      r[1] = kernels::conv2d_backward_weights(g, x, w.shape(), p, &gb);
      r[2] = gb;
      return r;
    }
    if (w.requires_grad()) r[1] = conv_weight_grad(name, g, x, w.shape(), p);
    if (need_b) r[2] = sum(g, {0, 2, 3});
    return r;
  });
}

// gx = conv^T(g, w), linear in g and w: <u, gx> = <conv(u, w), g>.
Tensor conv_input_grad(const char* name, const Tensor& g, const Tensor& w, const Shape& x_shape,
                       const Conv2dParams& p) {
  Tensor out = kernels::conv2d_backward_data(g, w, x_shape, p);
  return record(name, out, {g, w}, [name, g, w, p](const Tensor& u) {
    Grads r(2);
    if (g.requires_grad()) r[0] = conv_forward(name, u, w, Tensor(), p);
    if (w.requires_grad()) r[1] = conv_weight_grad(name, g, u, w.shape(), p);
    return r;
  });
}

// gw = corr(g, x), linear in g and x: <v, gw> = <conv(x, v), g>.
Tensor conv_weight_grad(const char* name, const Tensor& g, const Tensor& x, const Shape& w_shape,
                        const Conv2dParams& p) {
  Tensor out = kernels::conv2d_backward_weights(g, x, w_shape, p);
  return record(name, out, {g, x}, [name, g, x, p](const Tensor& v) {
    Grads r(2);
    if (g.requires_grad()) r[0] = conv_forward(name, x, v, Tensor(), p);
    if (x.requires_grad()) r[1] = conv_input_grad(name, g, v, x.shape(), p);
    return r;
  });
}

void check_size2(const char* op, const char* what, Size2 v, int64_t min) {
  STRATA_CHECK(v.h >= min && v.w >= min, "{}: {} must be >= {}, got ({}, {})", op, what, min, v.h, v.w);
}

// Checks dtypes, devices, ranks and channel counts shared by the convolutions. `rank` is 4 for 2-D and
// 3 for 1-D; `transposed` reads the weight as [C_in, C_out / groups, ...].
void check_operands(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, int64_t groups,
                    int64_t rank, bool transposed) {
  STRATA_CHECK(x.defined() && w.defined(), "{}: undefined input or weight", op);
  const char* x_layout = rank == 4 ? "[N, C_in, H, W]" : "[N, C_in, L]";
  const char* w_layout =
      rank == 4 ? (transposed ? "[C_in, C_out / groups, kH, kW]" : "[C_out, C_in / groups, kH, kW]")
                : "[C_out, C_in / groups, k]";
  STRATA_CHECK(x.dim() == rank, "{}: expected input of shape {}, got {}", op, x_layout, x.shape().str());
  STRATA_CHECK(w.dim() == rank, "{}: expected weight of shape {}, got {}", op, w_layout, w.shape().str());
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  STRATA_CHECK(x.dtype() == w.dtype(), "{}: input dtype {} and weight dtype {} differ", op,
               dtype_name(x.dtype()), dtype_name(w.dtype()));
  STRATA_CHECK(x.device() == w.device(), "{}: input and weight are on different devices ({} and {})", op,
               x.device().str(), w.device().str());
  STRATA_CHECK(groups > 0, "{}: groups must be positive, got {}", op, groups);
  const int64_t cin = x.size(1);
  if (transposed) {
    STRATA_CHECK(w.size(0) == cin, "{}: input of shape {} has {} channels, but weight of shape {} expects {}",
                 op, x.shape().str(), cin, w.shape().str(), w.size(0));
    STRATA_CHECK(cin % groups == 0, "{}: input channels ({}) must be divisible by groups ({})", op, cin,
                 groups);
  } else {
    STRATA_CHECK(w.size(0) % groups == 0,
                 "{}: weight of shape {} has {} output channels, not divisible by groups ({})", op,
                 w.shape().str(), w.size(0), groups);
    STRATA_CHECK(w.size(1) * groups == cin,
                 "{}: input of shape {} has {} channels, but weight of shape {} with groups={} expects {}",
                 op, x.shape().str(), cin, w.shape().str(), groups, w.size(1) * groups);
  }
  for (int64_t d = 2; d < rank; ++d)
    STRATA_CHECK(w.size(d) > 0, "{}: weight of shape {} has an empty kernel", op, w.shape().str());
  if (b.defined()) {
    const int64_t cout = transposed ? w.size(1) * groups : w.size(0);
    STRATA_CHECK(b.dim() == 1 && b.size(0) == cout, "{}: expected bias of shape [{}], got {}", op, cout,
                 b.shape().str());
    STRATA_CHECK(b.dtype() == x.dtype(), "{}: bias dtype {} differs from input dtype {}", op,
                 dtype_name(b.dtype()), dtype_name(x.dtype()));
    STRATA_CHECK(b.device() == x.device(), "{}: bias is on {}, input on {}", op, b.device().str(),
                 x.device().str());
  }
}

// Parameters of a (non-transposed) convolution of x4 by w4 (both 4-D), with pad_end made exact.
Conv2dParams conv_params(const char* op, const Tensor& x, const Tensor& w, const Shape& x4, const Shape& w4,
                         Size2 stride, Padding2 padding, Size2 dilation, int64_t groups) {
  check_size2(op, "stride", stride, 1);
  check_size2(op, "dilation", dilation, 1);
  Conv2dParams p;
  p.stride = {stride.h, stride.w};
  p.dilation = {dilation.h, dilation.w};
  p.groups = groups;
  p.compute = autocast_compute_dtype(x);  // backward closures keep p, so they run in the same precision
  const int64_t range_h = dilation.h * (w4[2] - 1) + 1;
  const int64_t range_w = dilation.w * (w4[3] - 1) + 1;
  if (padding.same) {
    STRATA_CHECK(stride.h == 1 && stride.w == 1,
                 "{}: padding=\"same\" is not supported for strided convolutions (stride ({}, {}))", op,
                 stride.h, stride.w);
    // As PyTorch: the total is split with the extra row/column at the end (bottom/right).
    p.pad_begin = {(range_h - 1) / 2, (range_w - 1) / 2};
    p.pad_end = {range_h - 1 - p.pad_begin[0], range_w - 1 - p.pad_begin[1]};
  } else {
    STRATA_CHECK(padding.h >= 0 && padding.w >= 0, "{}: padding must be non-negative, got ({}, {})", op,
                 padding.h, padding.w);
    p.pad_begin = {padding.h, padding.w};
    p.pad_end = {padding.h, padding.w};
  }
  const int64_t ph = x4[2] + p.pad_begin[0] + p.pad_end[0];
  const int64_t pw = x4[3] + p.pad_begin[1] + p.pad_end[1];
  STRATA_CHECK(ph >= range_h && pw >= range_w,
               "{}: input of shape {} (padded size {}x{}) is smaller than the kernel of weight {} (dilated "
               "size {}x{})",
               op, x.shape().str(), ph, pw, w.shape().str(), range_h, range_w);
  // Exact end padding: the remainder the stride leaves unread is taken off.
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x4[2 + d];
    const int64_t range = d == 0 ? range_h : range_w;
    const int64_t out =
        kernels::conv_out_size(in, w4[2 + d], p.stride[d], p.pad_begin[d], p.pad_end[d], p.dilation[d]);
    p.pad_end[d] = (out - 1) * p.stride[d] + range - in - p.pad_begin[d];
  }
  return p;
}

}  // namespace

Padding2 Padding2::from_mode(std::string_view mode) {
  Padding2 p;
  if (mode == "same") {
    p.same = true;
  } else {
    STRATA_CHECK(mode == "valid", "padding: expected \"same\", \"valid\" or numbers, got \"{}\"", mode);
  }
  return p;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride, Padding2 padding,
              Size2 dilation, int64_t groups) {
  check_operands("conv2d", x, weight, bias, groups, 4, false);
  const Conv2dParams p =
      conv_params("conv2d", x, weight, x.shape(), weight.shape(), stride, padding, dilation, groups);
  return conv_forward("conv2d", x, weight, bias, p);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, Padding2 padding,
              int64_t dilation, int64_t groups) {
  check_operands("conv1d", x, weight, bias, groups, 3, false);
  const Tensor x4 = unsqueeze(x, 2);
  const Tensor w4 = unsqueeze(weight, 2);
  Padding2 pad = padding;
  pad.h = 0;
  const Conv2dParams p = conv_params("conv1d", x, weight, x4.shape(), w4.shape(), Size2(1, stride), pad,
                                     Size2(1, dilation), groups);
  return squeeze(conv_forward("conv1d", x4, w4, bias, p), 2);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  const char* op = "conv_transpose2d";
  check_operands(op, x, weight, bias, groups, 4, true);
  check_size2(op, "stride", stride, 1);
  check_size2(op, "dilation", dilation, 1);
  check_size2(op, "padding", padding, 0);
  check_size2(op, "output_padding", output_padding, 0);
  STRATA_CHECK(
      output_padding.h < std::max(stride.h, dilation.h) && output_padding.w < std::max(stride.w, dilation.w),
      "{}: output_padding ({}, {}) must be smaller than either stride ({}, {}) or dilation ({}, {})", op,
      output_padding.h, output_padding.w, stride.h, stride.w, dilation.h, dilation.w);
  // The transposed convolution is the input gradient of the convolution from its output back to x.
  Conv2dParams p;
  p.stride = {stride.h, stride.w};
  p.dilation = {dilation.h, dilation.w};
  p.groups = groups;
  p.pad_begin = {padding.h, padding.w};
  p.pad_end = {padding.h - output_padding.h, padding.w - output_padding.w};
  p.compute = autocast_compute_dtype(x);
  const int64_t oh =
      (x.size(2) - 1) * stride.h - 2 * padding.h + dilation.h * (weight.size(2) - 1) + output_padding.h + 1;
  const int64_t ow =
      (x.size(3) - 1) * stride.w - 2 * padding.w + dilation.w * (weight.size(3) - 1) + output_padding.w + 1;
  STRATA_CHECK(oh > 0 && ow > 0, "{}: input of shape {} with weight {} gives an empty output ({}x{})", op,
               x.shape().str(), weight.shape().str(), oh, ow);
  const int64_t cout = weight.size(1) * groups;
  Tensor out = conv_input_grad(op, x, weight, Shape{x.size(0), cout, oh, ow}, p);
  if (bias.defined()) out = add(out, reshape(bias, {1, cout, 1, 1}));
  return out;
}

}  // namespace strata::ops
