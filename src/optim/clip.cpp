// Gradient clipping by global norm and by value, in place on the parameters' gradients.
#include "strata/optim/clip.h"

#include <cmath>
#include <unordered_set>

#include "kernels/optim.h"
#include "strata/autograd/grad_mode.h"

namespace strata::optim {
namespace {

// The defined gradients of `parameters`, each once (tied parameters share one), checked to be f32/f64.
std::vector<Tensor> gradients(const std::vector<Tensor>& parameters, const char* op) {
  std::vector<Tensor> grads;
  std::unordered_set<const TensorImpl*> seen;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Tensor& p = parameters[i];
    STRATA_CHECK(p.defined(), "{}: parameter {} is an undefined tensor", op, i);
    const Tensor g = p.grad();
    if (!g.defined() || !seen.insert(g.impl()).second) continue;
    STRATA_CHECK(g.dtype() == kFloat32 || g.dtype() == kFloat64,
                 "{}: the gradient of parameter {} (shape {}) has dtype {}; only f32 and f64 are supported",
                 op, i, g.shape().str(), dtype_name(g.dtype()));
    grads.push_back(g);
  }
  return grads;
}

// Applies an in-place kernel to `grad`, through a contiguous copy when it is strided.
template <typename F>
void modify(const Tensor& grad, F&& kernel) {
  NoGradGuard no_grad;
  if (grad.is_contiguous()) {
    kernel(grad);
    grad.storage().bump_version();
  } else {
    Tensor staged = grad.detach().contiguous();
    kernel(staged);
    Tensor target = grad.detach();
    target.copy_(staged);
  }
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type) {
  STRATA_CHECK(norm_type > 0,
               "clip_grad_norm_: norm_type {} is not supported (use a positive p, e.g. 1 or 2, or "
               "infinity)",
               norm_type);
  STRATA_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm {} must be >= 0", max_norm);
  const std::vector<Tensor> grads = gradients(parameters, "clip_grad_norm_");
  if (grads.empty()) return 0.0;
  const bool inf = std::isinf(norm_type);
  double acc = 0;
  bool nan = false;
  for (const Tensor& g : grads) {
    const double part = kernels::norm_accumulate(g.is_contiguous() ? g : g.contiguous(), norm_type);
    nan = nan || std::isnan(part);
    acc = inf ? std::max(acc, part) : acc + part;
  }
  double total = inf || norm_type == 1 ? acc
                 : norm_type == 2      ? std::sqrt(acc)
                                       : std::pow(acc, 1.0 / norm_type);
  if (nan) total = std::nan("");
  // Like PyTorch: a NaN or infinite norm still scales (the gradients become NaN or zero), a small one does
  // not.
  const double coef = max_norm / (total + 1e-6);
  if (!(coef >= 1.0))
    for (const Tensor& g : grads) modify(g, [coef](const Tensor& t) { kernels::scale_(t, coef); });
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  STRATA_CHECK(clip_value >= 0, "clip_grad_value_: clip_value {} must be >= 0", clip_value);
  for (const Tensor& g : gradients(parameters, "clip_grad_value_"))
    modify(g, [clip_value](const Tensor& t) { kernels::clamp_(t, -clip_value, clip_value); });
}

}  // namespace strata::optim
