// nn::CTCLoss: holds the options of ops::ctc_loss.
#include "strata/nn/ctc_loss.h"

namespace strata::nn {

Tensor CTCLossImpl::forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                            const Tensor& target_lengths) {
  return ops::ctc_loss(log_probs, targets, input_lengths, target_lengths,
                       {.blank = blank, .reduction = reduction, .zero_infinity = zero_infinity});
}

Tensor CTCLossImpl::forward(const Tensor&) {
  STRATA_FAIL("CTCLoss: forward needs (log_probs, targets, input_lengths, target_lengths)");
}

std::string CTCLossImpl::extra_repr() const {
  const char* r = reduction == ops::Reduction::None  ? "none"
                  : reduction == ops::Reduction::Sum ? "sum"
                                                     : "mean";
  return fmt::format("blank={}, reduction='{}', zero_infinity={}", blank, r,
                     zero_infinity ? "True" : "False");
}

}  // namespace strata::nn
