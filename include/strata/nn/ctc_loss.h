#pragma once
// nn::CTCLoss: torch.nn.CTCLoss(blank, reduction, zero_infinity) as a module.
#include "strata/nn/module.h"
#include "strata/ops/ctc.h"

namespace strata::nn {

class CTCLossImpl : public Module {
 public:
  explicit CTCLossImpl(int64_t blank = 0, ops::Reduction reduction = ops::Reduction::Mean,
                       bool zero_infinity = false)
      : Module("CTCLoss"), blank(blank), reduction(reduction), zero_infinity(zero_infinity) {}
  // log_probs [T, N, C], targets [N, S] or concatenated, lengths i64 [N]; see ops::ctc_loss.
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  // Throws: CTC needs targets and lengths.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t blank;
  ops::Reduction reduction;
  bool zero_infinity;
};

STRATA_MODULE_HOLDER(CTCLoss);

}  // namespace strata::nn
