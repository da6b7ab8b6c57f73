#pragma once
// Recurrent-layer kernels: a whole sequence of one layer in one direction, forward and backward through
// time, with no autograd. The input projections of all steps (x W_ih^T + b_ih) come precomputed; each
// step runs one hidden product (h W_hh^T + b_hh) and one fused elementwise gate pass.
#include "strata/core/tensor.h"

namespace strata::kernels {

enum class RnnMode { Tanh, Relu, Lstm, Gru };

// Gate blocks per hidden unit: 1 (vanilla), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).
int64_t rnn_gate_count(RnnMode mode);

// The operands of one layer-direction. Shapes: T >= 1 steps, B >= 1 batch, H hidden, G gates, P = H or the
// LSTM projection size. Everything contiguous, one floating dtype, one device.
struct RnnArgs {
  RnnMode mode = RnnMode::Tanh;
  Tensor gx;       // [T, B, G*H] input projections, bias b_ih included
  Tensor w_hh;     // [G*H, P]
  Tensor b_hh;     // [G*H] or undefined
  Tensor w_hr;     // [P, H] LSTM projection or undefined
  Tensor h0;       // [B, P]
  Tensor c0;       // [B, H] (LSTM)
  Tensor lengths;  // [B] i64 on the CPU, each in [1, T], or undefined (all T)
  bool reverse = false;
};

// The forward result. `packed` is the one op output: a flat tensor holding output [T, B, P] (zero past
// each sequence's length), then h_n [B, P], then c_n [B, H] for LSTM. The rest is saved for backward
// (left undefined when `save` is false).
struct RnnSaved {
  Tensor packed;
  Tensor gates;   // per step: vanilla h; LSTM i, f, g, o; GRU r, z, n, (W_hn h + b_hn)   [T, B, *]
  Tensor hprev;   // the hidden state entering each step [T, B, P]
  Tensor cprev;   // LSTM: the cell entering each step [T, B, H]
  Tensor tanh_c;  // LSTM: tanh of the cell leaving each step [T, B, H]
  Tensor m;       // LSTM with projection: o * tanh(c), the projection's input [T, B, H]
};

// Gradients of one layer-direction given the gradient of `packed`.
struct RnnGrads {
  Tensor d_gx;    // [T, B, G*H]
  Tensor d_gh;    // [T, B, G*H]: gradient of h W_hh^T + b_hh (d_gx itself except for GRU)
  Tensor dh0;     // [B, P]
  Tensor dc0;     // [B, H] (LSTM)
  Tensor dh_all;  // LSTM with projection: the gradient of each step's h [T, B, P]
};

// Runs the recurrence over all steps.
RnnSaved rnn_forward(const RnnArgs& args, bool save);
// Backpropagates through time; d_packed has the shape of `packed`. Reads only the weights, lengths, mode
// and direction of `args` (gx, h0 and c0 may be dropped after the forward).
RnnGrads rnn_backward(const RnnArgs& args, const RnnSaved& saved, const Tensor& d_packed);

}  // namespace strata::kernels
