#include "strata/nn/loss.h"

namespace strata::nn {

Tensor LossImpl::forward(const Tensor&) { STRATA_FAIL("{}: a loss takes (input, target)", type_name()); }

std::string LossImpl::extra_repr() const {
  switch (reduction) {
    case Reduction::None:
      return "reduction='none'";
    case Reduction::Sum:
      return "reduction='sum'";
    case Reduction::Mean:
      return "reduction='mean'";
  }
  return "";
}

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::mse_loss(input, target, reduction);
}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::l1_loss(input, target, reduction);
}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::smooth_l1_loss(input, target, reduction, beta);
}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::huber_loss(input, target, reduction, delta);
}
// The reduction shown by extra_repr (LossImpl::reduction) is the one applied.
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  ops::CrossEntropyOptions o = options;
  o.reduction = reduction;
  return ops::cross_entropy(input, target, o);
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  ops::NLLOptions o = options;
  o.reduction = reduction;
  return ops::nll_loss(input, target, o);
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::binary_cross_entropy(input, target, weight, reduction);
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction);
}
Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) {
  return ops::kl_div(input, target, reduction, log_target);
}

}  // namespace strata::nn
