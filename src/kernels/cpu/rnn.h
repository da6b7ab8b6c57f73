#pragma once
// CPU implementation behind kernels/rnn.h: per-step products through kernels::matmul (oneDNN for f32,
// OpenBLAS for f64) and vectorised gate loops, parallel over batch rows when the step is large.
#include "kernels/rnn.h"

namespace strata::kernels::cpu {

RnnSaved rnn_forward(const RnnArgs& args, bool save);
RnnGrads rnn_backward(const RnnArgs& args, const RnnSaved& saved, const Tensor& d_packed);

}  // namespace strata::kernels::cpu
