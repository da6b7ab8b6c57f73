// The ONNX importer's activations, Clip and the softmax family (Softmax, LogSoftmax, Hardmax).

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_relu(const OpContext& c) { return {F::relu(c.required(0))}; }
Tensors op_sigmoid(const OpContext& c) { return {F::sigmoid(c.required(0))}; }
Tensors op_tanh(const OpContext& c) { return {F::tanh(c.required(0))}; }
Tensors op_leaky_relu(const OpContext& c) {
  return {F::leaky_relu(c.required(0), c.node.attr_float("alpha", 0.01))};
}
Tensors op_elu(const OpContext& c) { return {F::elu(c.required(0), c.node.attr_float("alpha", 1.0))}; }
Tensors op_selu(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double alpha = c.node.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = c.node.attr_float("gamma", 1.05070102214813232421875);
  return {F::mul(F::where(F::gt(x, 0.0), x, F::mul(F::sub(F::exp(x), 1.0), alpha)), gamma)};
}
Tensors op_celu(const OpContext& c) {
  const Tensor& x = c.required(0);
  const double alpha = c.node.attr_float("alpha", 1.0);
  return {
      F::add(F::relu(x), F::clamp(F::mul(F::sub(F::exp(F::div(x, alpha)), 1.0), alpha), std::nullopt, 0.0))};
}
Tensors op_hard_sigmoid(const OpContext& c) {
  const double alpha = c.node.attr_float("alpha", 0.2), beta = c.node.attr_float("beta", 0.5);
  return {F::clamp(F::add(F::mul(c.required(0), alpha), beta), 0.0, 1.0)};
}
Tensors op_hard_swish(const OpContext& c) { return {F::hardswish(c.required(0))}; }
Tensors op_softplus(const OpContext& c) {
  const Tensor& x = c.required(0);  // log(1 + exp(x)), stable: max(x, 0) + log1p(exp(-|x|))
  return {F::add(F::relu(x), F::log1p(F::exp(F::neg(F::abs(x)))))};
}
Tensors op_softsign(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::div(x, F::add(F::abs(x), 1.0))};
}
Tensors op_thresholded_relu(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::where(F::gt(x, c.node.attr_float("alpha", 1.0)), x, zeros_like(x))};
}
Tensors op_prelu(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::where(F::lt(x, 0.0), F::mul(x, c.required(1)), x)};
}
Tensors op_clip(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::optional<double> lo, hi;
  if (c.opset < 11) {
    if (c.node.has("min")) lo = c.node.attr_float("min", 0);
    if (c.node.has("max")) hi = c.node.attr_float("max", 0);
  } else {
    if (c.in(1).defined()) lo = scalar(c.in(1));
    if (c.in(2).defined()) hi = scalar(c.in(2));
  }
  if (!lo && !hi) return {x.clone()};
  if (lo && hi && *lo > *hi) return {full_like(x, *hi)};  // ONNX: min > max gives max everywhere
  return {F::clamp(x, lo, hi)};
}

// Softmax and LogSoftmax: opset 13 normalises along `axis` (default -1); before, the input is seen as a
// matrix [prod(shape[:axis]), prod(shape[axis:])] (axis default 1).
template <bool Log>
Tensors op_softmax(const OpContext& c) {
  const Tensor& x = c.required(0);
  if (c.opset >= 13) {
    const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
    return {Log ? F::log_softmax(x, axis) : F::softmax(x, axis)};
  }
  const int64_t axis = norm_axis(c.node.attr_int("axis", 1), rank(x), c.node);
  const Tensor m = x.flatten(axis).flatten(0, axis > 0 ? axis - 1 : 0);
  const Tensor m2 = axis == 0 ? x.reshape({1, x.numel()}) : m;
  const Tensor y = Log ? F::log_softmax(m2, 1) : F::softmax(m2, 1);
  return {y.reshape(x.shape())};
}

Tensors op_hardmax(const OpContext& c) {
  const Tensor& x = c.required(0);
  if (c.opset < 13) {  // as a matrix [prod(shape[:axis]), prod(shape[axis:])]
    const int64_t axis = norm_axis(c.node.attr_int("axis", 1), rank(x), c.node);
    int64_t rows = 1;
    for (int64_t d = 0; d < axis; ++d) rows *= x.shape()[static_cast<size_t>(d)];
    const Tensor m = x.reshape({rows, x.numel() / std::max<int64_t>(rows, 1)});
    return {F::eq(positions(m.shape()[1], 1, 2), F::argmax(m, 1, true)).to(x.dtype()).reshape(x.shape())};
  }
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
  return {F::eq(positions(x.shape()[static_cast<size_t>(axis)], axis, rank(x)), F::argmax(x, axis, true))
              .to(x.dtype())};
}

}  // namespace

void add_activation_ops(OperatorTable& table) {
  table.insert({
      {"Celu", op_celu},
      {"Clip", op_clip},
      {"Elu", op_elu},
      {"HardSigmoid", op_hard_sigmoid},
      {"HardSwish", op_hard_swish},
      {"Hardmax", op_hardmax},
      {"LeakyRelu", op_leaky_relu},
      {"LogSoftmax", op_softmax<true>},
      {"PRelu", op_prelu},
      {"Relu", op_relu},
      {"Selu", op_selu},
      {"Sigmoid", op_sigmoid},
      {"Softmax", op_softmax<false>},
      {"Softplus", op_softplus},
      {"Softsign", op_softsign},
      {"Tanh", op_tanh},
      {"ThresholdedRelu", op_thresholded_relu},
  });
}

}  // namespace strata::onnx::detail
