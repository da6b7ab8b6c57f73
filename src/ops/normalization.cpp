// Normalisation ops. batch_norm and layer_norm run fused kernels (oneDNN for f32) forwards and
// backwards; when a backward itself records a graph (create_graph), their gradients are instead written
// with ops from x, so higher-order gradients flow. group_norm is a layer_norm over channel groups plus
// a per-channel affine.
#include "strata/ops/normalization.h"

#include <limits>

#include "kernels/normalization.h"
#include "ops/batch_norm_relu.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;

bool wants_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

// A [C] tensor reshaped to broadcast along dim 1 of an `ndim`-dim tensor.
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s = Shape::filled(static_cast<size_t>(ndim), 1);
  s[1] = t.numel();
  return reshape(t, s);
}

void check_param(const char* op, const char* what, const Tensor& t, const Shape& expected, const Tensor& x) {
  if (!t.defined()) return;
  STRATA_CHECK(t.shape() == expected, "{}: expected {} of shape {}, got {} (input of shape {})", op, what,
               expected.str(), t.shape().str(), x.shape().str());
  STRATA_CHECK(t.dtype() == x.dtype(), "{}: {} dtype {} differs from input dtype {}", op, what,
               dtype_name(t.dtype()), dtype_name(x.dtype()));
  STRATA_CHECK(t.device() == x.device(), "{}: {} is on {}, input on {}", op, what, t.device().str(),
               x.device().str());
}

// Batch-norm gradients written with ops (differentiable), for create_graph backwards.
Grads batch_norm_grads_composite(const Tensor& g, const Tensor& x, const Tensor& weight,
                                 const Tensor& saved_mean, const Tensor& saved_var, bool global, double eps) {
  const int64_t nd = x.dim();
  Shape dims{0};
  for (int64_t d = 2; d < nd; ++d) dims.push_back(d);
  Tensor xhat;
  Tensor gx;
  if (global) {
    const Tensor invstd = per_channel(rsqrt(add(saved_var, eps)), nd);
    xhat = mul(sub(x, per_channel(saved_mean, nd)), invstd);
    gx = mul(g, weight.defined() ? mul(per_channel(weight, nd), invstd) : invstd);
  } else {
    const Tensor xc = sub(x, mean(x, dims, true));
    const Tensor invstd = rsqrt(add(mean(mul(xc, xc), dims, true), eps));
    xhat = mul(xc, invstd);
    const Tensor inner = sub(sub(g, mean(g, dims, true)), mul(xhat, mean(mul(g, xhat), dims, true)));
    gx = mul(inner, weight.defined() ? mul(per_channel(weight, nd), invstd) : invstd);
  }
  return Grads{gx, wants_grad(weight) ? sum(mul(g, xhat), dims) : Tensor(), sum(g, dims)};
}

// Layer-norm gradients written with ops (differentiable), for create_graph backwards.
Grads layer_norm_grads_composite(const Tensor& g, const Tensor& x, const Shape& normalized_shape,
                                 const Tensor& weight, double eps) {
  Shape dims;
  for (size_t i = 0; i < normalized_shape.size(); ++i)
    dims.push_back(x.dim() - static_cast<int64_t>(normalized_shape.size()) + static_cast<int64_t>(i));
  const Tensor xc = sub(x, mean(x, dims, true));
  const Tensor invstd = rsqrt(add(mean(mul(xc, xc), dims, true), eps));
  const Tensor xhat = mul(xc, invstd);
  const Tensor gh = weight.defined() ? mul(g, weight) : g;
  const Tensor gx =
      mul(invstd, sub(sub(gh, mean(gh, dims, true)), mul(xhat, mean(mul(gh, xhat), dims, true))));
  return Grads{gx, wants_grad(weight) ? sum_to(mul(g, xhat), normalized_shape) : Tensor(),
               sum_to(g, normalized_shape)};
}

// batch_norm, or relu(batch_norm) when `relu`: one fused kernel where it exists (then the backward takes
// the ReLU mask from the kernel), else batch_norm followed by the relu op.
Tensor batch_norm_impl(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                       bool relu) {
  const char* op = "batch_norm";
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.dim() >= 2, "{}: expected input of shape [N, C, ...], got {}", op, x.shape().str());
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  const int64_t c = x.size(1);
  check_param(op, "weight", weight, {c}, x);
  check_param(op, "bias", bias, {c}, x);
  check_param(op, "running_mean", running_mean, {c}, x);
  check_param(op, "running_var", running_var, {c}, x);
  STRATA_CHECK(running_mean.defined() == running_var.defined(),
               "{}: running_mean and running_var must both be given or both be undefined", op);
  STRATA_CHECK(training || running_mean.defined(),
               "{}: running_mean and running_var are required when training is false", op);
  STRATA_CHECK(eps > 0, "{}: eps must be positive, got {}", op, eps);
  const int64_t count = c == 0 ? 0 : x.numel() / c;
  STRATA_CHECK(!training || count > 1,
               "{}: expected more than 1 value per channel when training, got input of shape {}", op,
               x.shape().str());
  const bool global = !training;
  kernels::NormResult r = kernels::batch_norm(x, weight, bias, running_mean, running_var, global, eps, relu);
  const Tensor mask = r.relu_mask;  // defined when the kernel applied the ReLU
  // Without a fused kernel the ReLU runs as its own op on the result.
  auto finish = [relu_after = relu && !mask.defined()](const Tensor& y) {
    return relu_after ? ops::relu(y) : y;
  };
  if (training && running_mean.defined()) {
    // PyTorch's update: the batch variance enters unbiased.
    NoGradGuard no_grad;
    Tensor rm = running_mean;
    Tensor rv = running_var;
    rm.mul_(1.0 - momentum).add_(r.mean, momentum);
    rv.mul_(1.0 - momentum)
        .add_(r.var, momentum * static_cast<double>(count) / static_cast<double>(count - 1));
  }
  if (!autograd::needs_grad({x, weight, bias})) return finish(r.out);
  // The statistics the backward needs, decoupled from later in-place updates of the running ones.
  const Tensor saved_mean = global ? clone(detach(r.mean)) : r.mean;
  const Tensor saved_var = global ? clone(detach(r.var)) : r.var;
  const Tensor shift = bias.defined() ? detach(bias) : Tensor();
  return finish(
      record(op, r.out, {x, weight, bias},
             [x, weight, shift, saved_mean, saved_var, global, eps, mask,
              need_bias = wants_grad(bias)](const Tensor& g) {
               if (autograd::grad_mode_enabled()) {
                 Tensor gb = g;
                 if (mask.defined()) {
                   // The ReLU's mask, from the batch norm output recomputed with the saved statistics.
                   Tensor y;
                   {
                     NoGradGuard no_grad;
                     const Tensor scale = weight.defined() ? detach(weight) : Tensor();
                     y = kernels::batch_norm(x, scale, shift, saved_mean, saved_var, true, eps).out;
                   }
                   gb = where(gt(y, 0.0), g, zeros_like(g));
                 }
                 return batch_norm_grads_composite(gb, x, weight, saved_mean, saved_var, global, eps);
               }
               kernels::NormGrads k = kernels::batch_norm_backward(
                   g, x, weight, saved_mean, saved_var, global, eps, wants_grad(weight), need_bias, mask);
               return Grads{x.requires_grad() ? k.input : Tensor(), k.weight, k.bias};
             }));
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  return batch_norm_impl(x, running_mean, running_var, weight, bias, training, momentum, eps, false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  return batch_norm_impl(x, running_mean, running_var, weight, bias, training, momentum, eps, true);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const char* op = "layer_norm";
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool matches = k > 0 && x.dim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = x.size(x.dim() - k + i) == normalized_shape[i];
  STRATA_CHECK(matches, "{}: normalized_shape {} does not match the trailing dims of input of shape {}", op,
               normalized_shape.str(), x.shape().str());
  check_param(op, "weight", weight, normalized_shape, x);
  check_param(op, "bias", bias, normalized_shape, x);
  STRATA_CHECK(eps > 0, "{}: eps must be positive, got {}", op, eps);
  const int64_t d = normalized_shape.numel();
  const Tensor w = weight.defined() ? reshape(detach(weight), {d}) : Tensor();
  const Tensor b = bias.defined() ? reshape(detach(bias), {d}) : Tensor();
  kernels::NormResult r = kernels::layer_norm(x, w, b, d, eps);
  return record(op, r.out, {x, weight, bias},
                [x, weight, normalized_shape, mean = r.mean, var = r.var, d, eps,
                 need_bias = wants_grad(bias)](const Tensor& g) {
                  if (autograd::grad_mode_enabled())
                    return layer_norm_grads_composite(g, x, normalized_shape, weight, eps);
                  const Tensor wf = weight.defined() ? reshape(detach(weight), {d}) : Tensor();
                  kernels::NormGrads k = kernels::layer_norm_backward(g, x, wf, mean, var, d, eps,
                                                                      wants_grad(weight), need_bias);
                  return Grads{x.requires_grad() ? k.input : Tensor(),
                               k.weight.defined() ? reshape(k.weight, normalized_shape) : Tensor(),
                               k.bias.defined() ? reshape(k.bias, normalized_shape) : Tensor()};
                });
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "group_norm";
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.dim() >= 2, "{}: expected input of shape [N, C, ...], got {}", op, x.shape().str());
  STRATA_CHECK(x.is_floating_point(), "{}: expected a floating input, got {}", op, dtype_name(x.dtype()));
  const int64_t c = x.size(1);
  STRATA_CHECK(num_groups > 0 && c % num_groups == 0,
               "{}: input of shape {} has {} channels, not divisible by num_groups ({})", op, x.shape().str(),
               c, num_groups);
  check_param(op, "weight", weight, {c}, x);
  check_param(op, "bias", bias, {c}, x);
  STRATA_CHECK(eps > 0, "{}: eps must be positive, got {}", op, eps);
  const int64_t n = x.size(0);
  const int64_t per_group = n * num_groups == 0 ? 0 : x.numel() / (n * num_groups);
  STRATA_CHECK(per_group > 0, "{}: input of shape {} has empty groups", op, x.shape().str());
  Tensor y = reshape(layer_norm(reshape(x, {n, num_groups, per_group}), {per_group}, {}, {}, eps), x.shape());
  if (weight.defined()) y = mul(y, per_channel(weight, x.dim()));
  if (bias.defined()) y = add(y, per_channel(bias, x.dim()));
  return y;
}

double machine_epsilon(Dtype dtype) {
  switch (dtype) {
    case kFloat32:
      return std::numeric_limits<float>::epsilon();
    case kFloat64:
      return std::numeric_limits<double>::epsilon();
    case kBFloat16:
      return 0.0078125;
    default:
      STRATA_FAIL("machine_epsilon: {} is not a floating dtype", dtype_name(dtype));
  }
}

// A composition of primitives (their backward rules give rms_norm's): the reduction runs once, the rest
// are broadcast elementwise ops.
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  const char* op = "rms_norm";
  STRATA_CHECK(x.defined(), "{}: undefined input", op);
  STRATA_CHECK(x.is_floating_point(), "{}: input must be floating point, got {}", op, dtype_name(x.dtype()));
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool matches = k > 0 && x.dim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = x.size(x.dim() - k + i) == normalized_shape[i];
  STRATA_CHECK(matches, "{}: normalized_shape {} must match the trailing dims of the input, got shape {}", op,
               normalized_shape.str(), x.shape().str());
  check_param(op, "weight", weight, normalized_shape, x);
  const double e = eps.value_or(machine_epsilon(x.dtype()));
  STRATA_CHECK(e >= 0, "{}: eps must not be negative, got {}", op, e);
  Shape dims;
  for (int64_t i = 0; i < k; ++i) dims.push_back(x.dim() - k + i);
  const Tensor y = mul(x, rsqrt(add(mean(square(x), dims, true), e)));
  return weight.defined() ? mul(y, weight) : y;
}

}  // namespace strata::ops
