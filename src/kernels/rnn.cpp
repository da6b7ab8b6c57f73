// Device dispatch for recurrent-layer kernels.
#include "kernels/rnn.h"

#include "kernels/cpu/rnn.h"
#include "kernels/dispatch.h"

namespace strata::kernels {

int64_t rnn_gate_count(RnnMode mode) {
  switch (mode) {
    case RnnMode::Lstm:
      return 4;
    case RnnMode::Gru:
      return 3;
    default:
      return 1;
  }
}

RnnSaved rnn_forward(const RnnArgs& args, bool save) {
  if (args.gx.device().is_cpu()) return cpu::rnn_forward(args, save);
  unsupported_device("rnn_forward", args.gx.device());
}

RnnGrads rnn_backward(const RnnArgs& args, const RnnSaved& saved, const Tensor& d_packed) {
  if (args.w_hh.device().is_cpu()) return cpu::rnn_backward(args, saved, d_packed);
  unsupported_device("rnn_backward", args.w_hh.device());
}

}  // namespace strata::kernels
