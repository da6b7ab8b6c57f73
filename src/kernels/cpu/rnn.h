#pragma once
// CPU implementation behind kernels/rnn.h: per-step products through kernels::matmul (oneDNN for f32,
// OpenBLAS for f64) and vectorised gate loops; f32 layers with large steps split the batch rows over threads.
#include "kernels/rnn.h"

namespace strata::kernels::cpu {

RnnSaved rnn_forward(const RnnArgs& args, bool save);
RnnGrads rnn_backward(const RnnArgs& args, const RnnSaved& saved, const Tensor& d_packed);

}  // namespace strata::kernels::cpu
