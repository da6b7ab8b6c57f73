// Activation functions: fused forward kernels, backward rules written with ops (PyTorch's formulas).
#include "strata/ops/activation.h"

#include <numbers>

#include "autograd/saved_output.h"
#include "kernels/activation.h"
#include "kernels/elementwise.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;
using autograd::record;
using kernels::UnaryOp;

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

// Runs the activation's kernel, naming the op in kernel errors. Integral inputs compute in f32 unless
// the op keeps integers (relu), as PyTorch does.
Tensor activate(const char* name, UnaryOp op, const Tensor& x, kernels::UnaryParams p = {},
                bool keeps_integers = false) {
  STRATA_CHECK(x.defined(), "{}: undefined tensor argument", name);
  const Tensor in = x.is_floating_point() || keeps_integers ? x : to_dtype(x, kFloat32);
  try {
    return kernels::unary(op, in, p);
  } catch (const Error& e) {
    STRATA_FAIL("{}: {}", name, e.what());
  }
}

Tensor scalar_like(const Tensor& t, double v) {
  return full({}, v, {.dtype = t.dtype(), .device = t.device()});
}

// g where mask (u8) is set, else 0 (a select, not a product, so an infinite g still gives 0).
Tensor masked(const Tensor& g, const Tensor& mask) { return where(mask, g, scalar_like(g, 0.0)); }

}  // namespace

Tensor relu(const Tensor& x) {
  Tensor out = activate("relu", UnaryOp::Relu, x, {}, /*keeps_integers=*/true);
  // relu(x) > 0 exactly where x > 0, so the output alone carries the mask. Zeroing where y <= 0 (not
  // passing where y > 0) lets a NaN pass its gradient, as PyTorch's threshold_backward does.
  return autograd::record_with_output("relu", out, {x}, [](const Tensor& g, const Tensor& y) {
    // First order: one fused pass. Inside a create_graph backward: the same select written with ops.
    if (!autograd::grad_mode_enabled() && g.is_floating_point() && g.dtype() == y.dtype())
      return Grads{kernels::relu_backward(g, y)};
    return Grads{where(le(y, 0.0), scalar_like(g, 0.0), g)};
  });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  Tensor out = activate("leaky_relu", UnaryOp::LeakyRelu, x, {negative_slope});
  return record("leaky_relu", out, {x}, [x, negative_slope](const Tensor& g) {
    return Grads{where(gt(x, 0.0), g, mul(g, negative_slope))};
  });
}

Tensor elu(const Tensor& x, double alpha) {
  Tensor out = activate("elu", UnaryOp::Elu, x, {alpha});
  // Below zero d/dx = alpha * exp(x) = y + alpha, finite where exp(x) alone could overflow. With
  // alpha >= 0 the sign of y tells the branch; a negative alpha needs x for it.
  return autograd::record_with_output(
      "elu", out, {x}, [alpha, xs = alpha < 0 ? x : Tensor()](const Tensor& g, const Tensor& y) {
        const Tensor positive = xs.defined() ? gt(xs, 0.0) : gt(y, 0.0);
        return Grads{where(positive, g, mul(g, add(y, alpha)))};
      });
}

Tensor selu(const Tensor& x) {
  Tensor out = activate("selu", UnaryOp::Selu, x);
  // Below zero d/dx = scale * alpha * exp(x) = y + scale * alpha.
  return autograd::record_with_output("selu", out, {x}, [](const Tensor& g, const Tensor& y) {
    return Grads{where(gt(y, 0.0), mul(g, kSeluScale), mul(g, add(y, kSeluScale * kSeluAlpha)))};
  });
}

Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  if (approximate == GeluApproximate::None) {
    Tensor out = activate("gelu", UnaryOp::GeluErf, x);
    // d/dx x * Phi(x) = Phi(x) + x * phi(x).
    return record("gelu", out, {x}, [x](const Tensor& g) {
      // First order: one fused pass. Inside a create_graph backward: the formula written with ops.
      if (!autograd::grad_mode_enabled() && (g.dtype() == kFloat32 || g.dtype() == kFloat64) &&
          g.dtype() == x.dtype() && g.shape() == x.shape())
        return Grads{kernels::gelu_backward(g, detach(x))};
      const Tensor cdf = mul(add(erf(mul(x, std::numbers::sqrt2 / 2)), 1.0), 0.5);
      const Tensor pdf = mul(exp(mul(square(x), -0.5)), std::numbers::inv_sqrtpi / std::numbers::sqrt2);
      return Grads{mul(g, add(cdf, mul(x, pdf)))};
    });
  }
  Tensor out = activate("gelu", UnaryOp::GeluTanh, x);
  return record("gelu", out, {x}, [x](const Tensor& g) {
    constexpr double k = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2 / pi)
    constexpr double c = 0.044715;
    const Tensor x2 = square(x);
    const Tensor t = tanh(mul(mul(add(mul(x2, c), 1.0), x), k));
    const Tensor left = mul(add(t, 1.0), 0.5);
    const Tensor right = mul(mul(x, 0.5), mul(rsub(square(t), 1.0), mul(add(mul(x2, 3.0 * c), 1.0), k)));
    return Grads{mul(g, add(left, right))};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor out = activate("sigmoid", UnaryOp::Sigmoid, x);
  return autograd::record_with_output("sigmoid", out, {x}, [](const Tensor& g, const Tensor& y) {
    return Grads{mul(g, mul(y, rsub(y, 1.0)))};
  });
}

Tensor tanh(const Tensor& x) {
  Tensor out = activate("tanh", UnaryOp::Tanh, x);
  return autograd::record_with_output(
      "tanh", out, {x}, [](const Tensor& g, const Tensor& y) { return Grads{mul(g, rsub(square(y), 1.0))}; });
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  Tensor out = activate("softplus", UnaryOp::Softplus, x, {beta, threshold});
  // d/dx = sigmoid(beta x), and 1 on the linear part above the threshold.
  return record("softplus", out, {x}, [x, beta, threshold](const Tensor& g) {
    const Tensor bx = beta == 1.0 ? x : mul(x, beta);
    return Grads{where(gt(bx, threshold), g, mul(g, sigmoid(bx)))};
  });
}

Tensor silu(const Tensor& x) {
  Tensor out = activate("silu", UnaryOp::Silu, x);
  // d/dx x s(x) = s (1 + x (1 - s)).
  return record("silu", out, {x}, [x](const Tensor& g) {
    const Tensor s = sigmoid(x);
    return Grads{mul(g, mul(s, add(mul(x, rsub(s, 1.0)), 1.0)))};
  });
}

Tensor hardsigmoid(const Tensor& x) {
  Tensor out = activate("hardsigmoid", UnaryOp::Hardsigmoid, x);
  return record("hardsigmoid", out, {x},
                [x](const Tensor& g) { return Grads{masked(div(g, 6.0), mul(gt(x, -3.0), lt(x, 3.0)))}; });
}

Tensor hardswish(const Tensor& x) {
  Tensor out = activate("hardswish", UnaryOp::Hardswish, x);
  // PyTorch's rule: 0 below -3, x / 3 + 0.5 up to 3 (inclusive), 1 above.
  return record("hardswish", out, {x}, [x](const Tensor& g) {
    const Tensor mid = where(le(x, 3.0), mul(g, add(div(x, 3.0), 0.5)), g);
    return Grads{where(lt(x, -3.0), scalar_like(g, 0.0), mid)};
  });
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  STRATA_CHECK(x.defined() && weight.defined(), "prelu: undefined tensor argument");
  STRATA_CHECK(x.is_floating_point() && weight.dtype() == x.dtype(),
               "prelu: expected a floating input and a weight of the same dtype, got {} and {}",
               dtype_name(x.dtype()), dtype_name(weight.dtype()));
  STRATA_CHECK(weight.dim() <= 1, "prelu: expected a weight of shape [1] or [C], got {}",
               weight.shape().str());
  const int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  STRATA_CHECK(weight.numel() == 1 || weight.numel() == channels,
               "prelu: weight of shape {} does not match input of shape {}: expected {}",
               weight.shape().str(), x.shape().str(),
               x.dim() >= 2 ? fmt::format("[1] or [{}] (one slope per channel, dim 1)", channels)
                            : std::string("[1] (the input has no channel dim)"));
  // One slope for all, or slope c broadcast over the dims after the channel dim.
  Shape w_shape;
  if (weight.numel() > 1) {
    w_shape = Shape{channels};
    for (int64_t d = 2; d < x.dim(); ++d) w_shape.push_back(1);
  }
  // Composed of ops: the select routes g (x > 0) or g * weight to x, and the product gives the weight
  // sum_to(g * x) over the rest, as PyTorch's prelu backward does.
  return where(gt(x, 0.0), x, mul(x, reshape(weight, w_shape)));
}

Tensor mish(const Tensor& x) {
  Tensor out = activate("mish", UnaryOp::Mish, x);
  // d/dx x t(x) with t = tanh(softplus(x)): t + x sigmoid(x) (1 - t^2).
  return record("mish", out, {x}, [x](const Tensor& g) {
    const Tensor t = tanh(softplus(x));
    return Grads{mul(g, add(t, mul(mul(x, sigmoid(x)), rsub(square(t), 1.0))))};
  });
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  STRATA_CHECK(x.defined(), "hardtanh: undefined tensor argument");
  STRATA_CHECK(min_val <= max_val, "hardtanh: min_val ({}) must not exceed max_val ({})", min_val, max_val);
  if (!x.is_floating_point()) {
    // Integers are clamped in their own dtype (and never require grad), as PyTorch does.
    STRATA_CHECK(x.dtype() != kUInt8 || min_val >= 0,
                 "hardtanh: cannot clamp a u8 tensor of shape {} to a negative min_val ({})", x.shape().str(),
                 min_val);
    return clamp(x, min_val, max_val);
  }
  Tensor out = activate("hardtanh", UnaryOp::Clamp, x, {min_val, max_val});
  // The gradient passes where min_val < x < max_val, which is where min_val < y < max_val: the output
  // alone carries the mask. Zeroing at the bounds (not passing inside them) lets a NaN pass its gradient,
  // as PyTorch's hardtanh_backward does.
  return autograd::record_with_output(
      "hardtanh", out, {x}, [min_val, max_val](const Tensor& g, const Tensor& y) {
        if (!autograd::grad_mode_enabled() && g.is_floating_point() && g.dtype() == y.dtype())
          return Grads{kernels::hardtanh_backward(g, y, min_val, max_val)};
        const Tensor zero = scalar_like(g, 0.0);
        return Grads{where(le(y, min_val), zero, where(ge(y, max_val), zero, g))};
      });
}

Tensor relu6(const Tensor& x) {
  STRATA_CHECK(x.defined(), "relu6: undefined tensor argument");
  try {
    return hardtanh(x, 0.0, 6.0);
  } catch (const Error& e) {
    const std::string what = e.what();
    STRATA_FAIL("relu6: {}", what.starts_with("hardtanh: ") ? what.substr(10) : what);
  }
}

}  // namespace strata::ops

namespace strata {

Tensor Tensor::relu() const { return ops::relu(*this); }
Tensor Tensor::sigmoid() const { return ops::sigmoid(*this); }
Tensor Tensor::tanh() const { return ops::tanh(*this); }

}  // namespace strata
