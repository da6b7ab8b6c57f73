#pragma once
// Recurrent layers as functions, PyTorch semantics and gate order (LSTM i, f, g, o; GRU r, z, n with
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). A whole sequence of one layer in one direction is one
// fused op: the input projection of every step is a single product and the recurrence is one graph node
// whose backward runs back-propagation through time.
#include "strata/core/tensor.h"

namespace strata::ops {

enum class RnnMode { Tanh, Relu, Lstm, Gru };

// The result of one layer-direction.
struct RnnLayerOutput {
  Tensor output;  // [T, B, P]: the hidden state after each step, zero past a sequence's length
  Tensor h_n;     // [B, P]: the state after each sequence's last real step
  Tensor c_n;     // [B, H]: the LSTM cell state (undefined for other modes)
};

// Runs one recurrent layer over a sequence in one direction. input [T, B, I] (T, B >= 1); w_ih [G*H, I],
// w_hh [G*H, P] with G = 1 (Tanh, Relu), 4 (Lstm) or 3 (Gru) and P = H unless the LSTM projection
// w_hr [P, H] is given; b_ih, b_hh [G*H] or undefined (no bias); h0 [B, P] and, for LSTM, c0 [B, H]
// (zeros when undefined). lengths: undefined or an i64 CPU tensor [B] with every entry in [1, T], in any
// order; steps at or past a sequence's length leave its state alone and output zero, and with reverse the
// sequence is read from its own last step back to step 0 (packed-sequence semantics).
RnnLayerOutput rnn_layer(RnnMode mode, const Tensor& input, const Tensor& w_ih, const Tensor& w_hh,
                         const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0 = {}, const Tensor& c0 = {},
                         const Tensor& w_hr = {}, const Tensor& lengths = {}, bool reverse = false);

// One step of an Elman cell: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). input [B, I] or [I]; h [B, H] or
// [H] (zeros when undefined); biases may be undefined.
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
// The same with relu.
Tensor rnn_relu_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});

struct LstmState {
  Tensor h;
  Tensor c;
};

// One LSTM step: returns (h', c'). h and c are [B, H] or [H]; both undefined means zeros.
LstmState lstm_cell(const Tensor& input, const LstmState& state, const Tensor& w_ih, const Tensor& w_hh,
                    const Tensor& b_ih = {}, const Tensor& b_hh = {});

// One GRU step: returns h'.
Tensor gru_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = {}, const Tensor& b_hh = {});

}  // namespace strata::ops
