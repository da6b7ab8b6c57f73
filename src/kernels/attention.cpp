// Device dispatch for the fused attention kernels.
#include "kernels/attention.h"

#include "kernels/cpu/attention.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

AttentionForward attention_forward(const AttentionArgs& args) {
  if (args.q.device().is_cpu()) return cpu::attention_forward(args);
  unsupported_device("scaled_dot_product_attention", args.q.device());
}

AttentionGrads attention_backward(const AttentionArgs& args, const Tensor& out, const Tensor& lse,
                                  const Tensor& grad_out, bool need_mask_grad) {
  if (args.q.device().is_cpu()) return cpu::attention_backward(args, out, lse, grad_out, need_mask_grad);
  unsupported_device("scaled_dot_product_attention backward", args.q.device());
}

}  // namespace strata::kernels
