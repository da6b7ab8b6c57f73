// Losses composed from differentiable ops (their gradients come from the ops' backward rules).
#include "strata/ops/loss.h"

#include "kernels/cross_entropy.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/softmax.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Mean:
      return mean(loss);
    case Reduction::Sum:
      return sum(loss);
  }
  return loss;
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  STRATA_CHECK(input.defined() && target.defined(), "{}: undefined input or target", op);
  STRATA_CHECK(input.shape() == target.shape(), "{}: input shape {} and target shape {} differ", op,
               input.shape().str(), target.shape().str());
  STRATA_CHECK(input.is_floating_point() && target.is_floating_point(),
               "{}: input and target must be floating, got {} and {}", op, dtype_name(input.dtype()),
               dtype_name(target.dtype()));
}

// An optional per-element factor (weight, pos_weight) must broadcast to input's shape.
void check_broadcasts_to(const Tensor& factor, const Tensor& input, const char* op, const char* what) {
  if (!factor.defined()) return;
  bool ok = factor.dim() <= input.dim();
  for (int64_t k = 1; ok && k <= factor.dim(); ++k)
    ok = factor.size(-k) == 1 || factor.size(-k) == input.size(-k);
  STRATA_CHECK(ok, "{}: {} of shape {} does not broadcast to input shape {}", op, what, factor.shape().str(),
               input.shape().str());
}

// Moves the class dim (1) of [N, C, d...] last and flattens to [M, C]; targets [N, d...] to [M].
std::pair<Tensor, Tensor> flatten_classes(const Tensor& input, const Tensor& target, const char* op) {
  STRATA_CHECK(input.dim() >= 1, "{}: input must have a class dim, got shape {}", op, input.shape().str());
  if (input.dim() == 1) {
    STRATA_CHECK(target.dim() == 0, "{}: for unbatched input of shape {} the target must be 0-dim, got {}",
                 op, input.shape().str(), target.shape().str());
    return {input.unsqueeze(0), target.reshape({1})};
  }
  Shape expected;
  expected.push_back(input.size(0));
  for (int64_t d = 2; d < input.dim(); ++d) expected.push_back(input.size(d));
  STRATA_CHECK(target.shape() == expected, "{}: target shape {} does not match input shape {} (expected {})",
               op, target.shape().str(), input.shape().str(), expected.str());
  Tensor x = input;
  if (input.dim() > 2) {
    Shape perm{0};
    for (int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
    perm.push_back(1);
    x = input.permute(perm);
  }
  return {x.reshape({-1, input.size(1)}), target.reshape({-1})};
}

// Checks class-index targets; returns whether any equals ignore_index.
bool check_class_targets(const Tensor& target, int64_t classes, int64_t ignore_index, const char* op) {
  STRATA_CHECK(target.dtype() == kInt64, "{}: class-index targets must be i64, got {}", op,
               dtype_name(target.dtype()));
  bool any_ignored = false;
  for (int64_t t : target.to_vector<int64_t>()) {
    any_ignored |= t == ignore_index;
    STRATA_CHECK(t == ignore_index || (t >= 0 && t < classes), "{}: target {} is out of range for {} classes",
                 op, t, classes);
  }
  return any_ignored;
}

// Zeroes ignored entries by masking rather than by a zero factor: with every target ignored the mean
// divides by zero, and PyTorch still gives those entries a zero (not NaN) gradient.
Tensor zero_ignored(const Tensor& loss, const Tensor& t, int64_t ignore_index, bool any_ignored) {
  return any_ignored ? masked_fill(loss, eq(t, static_cast<double>(ignore_index)), 0.0) : loss;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "mse_loss");
  return reduce(square(sub(input, target)), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(sub(input, target)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_same_shape(input, target, "smooth_l1_loss");
  STRATA_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got {}", beta);
  const Tensor d = abs(sub(input, target));
  if (beta == 0) return reduce(d, reduction);
  return reduce(where(lt(d, beta), mul(square(d), 0.5 / beta), sub(d, 0.5 * beta)), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_same_shape(input, target, "huber_loss");
  STRATA_CHECK(delta > 0, "huber_loss: delta must be positive, got {}", delta);
  const Tensor d = abs(sub(input, target));
  return reduce(where(le(d, delta), mul(square(d), 0.5), mul(sub(d, 0.5 * delta), delta)), reduction);
}

namespace {

// nll_loss, with errors naming `op` (cross_entropy reports its own name).
Tensor nll(const Tensor& input, const Tensor& target, const NLLOptions& options, const char* op) {
  STRATA_CHECK(input.defined() && target.defined(), "{}: undefined input or target", op);
  STRATA_CHECK(input.is_floating_point(), "{}: input must be floating log-probabilities, got {}", op,
               dtype_name(input.dtype()));
  auto [logp, t] = flatten_classes(input, target, op);
  const int64_t classes = logp.size(1);
  const bool any_ignored = check_class_targets(t, classes, options.ignore_index, op);
  if (options.weight.defined()) {
    STRATA_CHECK(options.weight.dim() == 1 && options.weight.size(0) == classes,
                 "{}: weight of shape {} for {} classes", op, options.weight.shape().str(), classes);
  }
  const Tensor keep = ne(t, static_cast<double>(options.ignore_index));
  const Tensor safe = where(keep, t, zeros_like(t));
  Tensor w = to_dtype(keep, logp.dtype());
  if (options.weight.defined()) w = mul(w, index_select(to_dtype(options.weight, logp.dtype()), 0, safe));
  const Tensor picked = gather(logp, 1, safe.unsqueeze(1)).squeeze(1);
  const Tensor loss = zero_ignored(neg(mul(picked, w)), t, options.ignore_index, any_ignored);
  switch (options.reduction) {
    case Reduction::None:
      return input.dim() == 1 ? loss.reshape({}) : loss.reshape(target.shape());
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      return div(sum(loss), sum(w));
  }
  return loss;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLOptions& options) {
  return nll(input, target, options, "nll_loss");
}

namespace {

// The common case as one op: [N, C] (or [C]) logits, class indices with none ignored, no class weights, no
// smoothing. A fused kernel computes every row's log-sum-exp and loss in one pass, and the backward is
// (softmax - onehot) * g: two kernels instead of the dozen ops of log_softmax + nll. Returns an undefined
// tensor when the case does not apply.
Tensor fused_cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options) {
  if (target.is_floating_point() || options.weight.defined() || options.label_smoothing != 0 ||
      input.dim() > 2 || (input.dtype() != kFloat32 && input.dtype() != kFloat64)) {
    return {};
  }
  // (Flattening a detached input records nothing; the node below links to `input` itself.)
  auto [x, t] = flatten_classes(input.detach(), target, "cross_entropy");
  const int64_t n = x.size(0), classes = x.size(1);
  if (n == 0 || classes == 0 || check_class_targets(t, classes, options.ignore_index, "cross_entropy"))
    return {};
  const bool reduce = options.reduction != Reduction::None;
  const double scale = options.reduction == Reduction::Mean ? 1.0 / static_cast<double>(n) : 1.0;
  kernels::CrossEntropyForward fw = kernels::cross_entropy(x, t, reduce, scale);
  Tensor out = !reduce && input.dim() == 1 ? fw.loss.reshape({}) : fw.loss;
  return autograd::record(
      "cross_entropy", out, {input},
      [input, t, lse = fw.lse, scale, reduce, classes](const Tensor& g) -> autograd::Grads {
        const Tensor x2 = input.dim() == 1 ? input.unsqueeze(0) : input;
        const Tensor g2 = reduce || input.dim() == 1 ? g.reshape({}) : g;
        if (!autograd::grad_mode_enabled()) {
          return {kernels::cross_entropy_backward(x2.detach(), t, lse, g2.detach(), scale)
                      .reshape(input.shape())};
        }
        // Inside a create_graph backward: the same formula written with ops, so it differentiates again.
        const Tensor onehot =
            to_dtype(eq(arange(static_cast<double>(classes), {.dtype = kInt64}).unsqueeze(0), t.unsqueeze(1)),
                     input.dtype());
        const Tensor gs = mul(g2.dim() == 0 ? g2 : g2.unsqueeze(1), scale);
        return {mul(sub(softmax(x2, 1), onehot), gs).reshape(input.shape())};
      });
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options) {
  STRATA_CHECK(input.defined() && target.defined(), "cross_entropy: undefined input or target");
  STRATA_CHECK(options.label_smoothing >= 0 && options.label_smoothing <= 1,
               "cross_entropy: label_smoothing must be in [0, 1], got {}", options.label_smoothing);
  STRATA_CHECK(input.dim() >= 1, "cross_entropy: input must have a class dim, got shape {}",
               input.shape().str());
  STRATA_CHECK(input.is_floating_point(), "cross_entropy: input must be floating logits, got {}",
               dtype_name(input.dtype()));
  if (Tensor fused = fused_cross_entropy(input, target, options); fused.defined()) return fused;
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  const Tensor logp = log_softmax(input, class_dim);
  // Class weights shaped to broadcast along the class dim.
  Tensor wc;
  if (options.weight.defined()) {
    STRATA_CHECK(options.weight.dim() == 1 && options.weight.size(0) == classes,
                 "cross_entropy: weight of shape {} for {} classes", options.weight.shape().str(), classes);
    Shape ws = Shape::filled(input.dim(), 1);
    ws[class_dim] = classes;
    wc = to_dtype(options.weight, logp.dtype()).reshape(ws);
  }
  const double ls = options.label_smoothing;

  if (target.is_floating_point()) {
    // Class probabilities with input's shape.
    STRATA_CHECK(
        input.shape() == target.shape(),
        "cross_entropy: probability target of shape {} must match input shape {} (class-index targets "
        "must be i64, got {})",
        target.shape().str(), input.shape().str(), dtype_name(target.dtype()));
    Tensor p = ls > 0 ? add(mul(target, 1.0 - ls), ls / static_cast<double>(classes)) : target;
    Tensor terms = mul(logp, p);
    if (wc.defined()) terms = mul(terms, wc);
    const Tensor loss = neg(sum(terms, {class_dim}));
    switch (options.reduction) {
      case Reduction::None:
        return loss;
      case Reduction::Sum:
        return sum(loss);
      // PyTorch averages over every position (N * d1 * ...), not just the batch.
      case Reduction::Mean:
        return input.dim() == 1 ? loss : div(sum(loss), static_cast<double>(input.numel() / classes));
    }
  }

  const Tensor nll_part =
      nll(logp, target, {options.weight, options.ignore_index, options.reduction}, "cross_entropy");
  if (ls == 0) return nll_part;
  // Label smoothing: mix in the mean negative log-probability over classes (PyTorch's formulation).
  Tensor all = wc.defined() ? mul(logp, wc) : logp;
  Tensor smooth = neg(sum(all, {class_dim}));
  auto [flat_logp, t] = flatten_classes(logp, target, "cross_entropy");
  const Tensor keep = ne(t, static_cast<double>(options.ignore_index));
  const Tensor keep_f = to_dtype(keep, logp.dtype());
  // (nll above has checked the targets.)
  Tensor smooth_flat = zero_ignored(smooth.reshape({-1}), t, options.ignore_index, true);
  Tensor smooth_red;
  switch (options.reduction) {
    case Reduction::None:
      smooth_red = smooth_flat.reshape(target.shape());
      break;
    case Reduction::Sum:
      smooth_red = sum(smooth_flat);
      break;
    case Reduction::Mean: {
      Tensor denom = sum(keep_f);
      if (options.weight.defined()) {
        const Tensor safe = where(keep, t, zeros_like(t));
        denom = sum(mul(index_select(to_dtype(options.weight, logp.dtype()), 0, safe), keep_f));
      }
      smooth_red = div(sum(smooth_flat), denom);
      break;
    }
  }
  return add(mul(nll_part, 1.0 - ls), mul(smooth_red, ls / static_cast<double>(classes)));
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  check_same_shape(input, target, "binary_cross_entropy");
  check_broadcasts_to(weight, input, "binary_cross_entropy", "weight");
  // PyTorch clamps the logs at -100 so a probability of exactly 0 or 1 gives a finite loss.
  const Tensor log_p = clamp(log(input), -100.0, std::nullopt);
  const Tensor log_1mp = clamp(log(rsub(input, 1.0)), -100.0, std::nullopt);
  Tensor loss = neg(add(mul(target, log_p), mul(rsub(target, 1.0), log_1mp)));
  if (weight.defined()) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  check_broadcasts_to(weight, input, "binary_cross_entropy_with_logits", "weight");
  check_broadcasts_to(pos_weight, input, "binary_cross_entropy_with_logits", "pos_weight");
  // log(1 + exp(-|x|)) + max(-x, 0) = -log(sigmoid(x)), computed without overflow.
  const Tensor log_sig_neg = add(log1p(exp(neg(abs(input)))), clamp(neg(input), 0.0, std::nullopt));
  Tensor loss;
  if (pos_weight.defined()) {
    const Tensor coef = add(mul(sub(pos_weight, 1.0), target), 1.0);
    loss = add(mul(rsub(target, 1.0), input), mul(coef, log_sig_neg));
  } else {
    loss = add(mul(rsub(target, 1.0), input), log_sig_neg);
  }
  if (weight.defined()) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  check_same_shape(input, target, "kl_div");
  Tensor loss;
  if (log_target) {
    loss = mul(exp(target), sub(target, input));
  } else {
    // target * log(target) is 0 where target is 0 (xlogy).
    const Tensor pos = gt(target, 0.0);
    const Tensor safe = where(pos, target, ones_like(target));
    loss = sub(mul(target, log(safe)), mul(target, input));
  }
  return reduce(loss, reduction);
}

}  // namespace strata::ops
