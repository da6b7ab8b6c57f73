#pragma once
// Connectionist temporal classification loss, PyTorch semantics (torch.nn.functional.ctc_loss).
#include "strata/core/tensor.h"
#include "strata/ops/loss.h"

namespace strata::ops {

struct CTCLossOptions {
  int64_t blank = 0;
  Reduction reduction = Reduction::Mean;  // Mean: each loss divided by its target length, then averaged
  bool zero_infinity = false;             // impossible alignments give loss 0 and gradient 0
};

// log_probs [T, N, C] (or [T, C]) log-softmax outputs; targets [N, S] padded (or the N target sequences
// concatenated, 1-D); input_lengths and target_lengths i64 [N]. Differentiable in log_probs.
Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, const CTCLossOptions& options = {});

}  // namespace strata::ops
