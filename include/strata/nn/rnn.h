#pragma once
// Recurrent layers RNN, LSTM and GRU and their single-step cells, interchangeable with PyTorch's:
// parameter names and shapes (weight_ih_l0, weight_hh_l0_reverse, ...), gate order (LSTM i, f, g, o;
// GRU r, z, n), default initialisation U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), and the shapes and
// direction order of the outputs and final states. Each layer-direction runs as one fused op.
//
// Variable-length batches: pass an i64 `lengths` tensor [batch] (entries in [1, steps], any order; zero
// and too-long lengths are refused). This matches pack_padded_sequence(enforce_sorted=False) followed by
// pad_packed_sequence(total_length=steps): outputs past a sequence's end are zero, h_n (and c_n) hold the
// state at its last real step, and the reverse direction starts at each sequence's own last step.
#include <string>
#include <vector>

#include "strata/nn/module.h"
#include "strata/ops/rnn.h"

namespace strata::nn {

enum class RNNNonlinearity { Tanh, Relu };

struct RNNOptions {
  int64_t num_layers = 1;
  RNNNonlinearity nonlinearity = RNNNonlinearity::Tanh;
  bool bias = true;
  bool batch_first = false;  // input and output [batch, steps, features]; states stay [layers*dirs, batch, H]
  double dropout = 0.0;      // on the outputs of every layer but the last, in training mode
  bool bidirectional = false;
};

struct LSTMOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  int64_t proj_size = 0;  // > 0: h is projected to this size by weight_hr_l<k>
};

struct GRUOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
};

// (output, h_n) as PyTorch returns them from RNN and GRU.
struct RNNOutput {
  Tensor output;  // [steps, batch, dirs * H] ([batch, steps, ...] with batch_first; [steps, ...] unbatched)
  Tensor h_n;     // [layers * dirs, batch, H] ([layers * dirs, H] unbatched)
};

// The LSTM state (h, c); both undefined means zeros.
using LSTMState = ops::LstmState;

// (output, (h_n, c_n)) as PyTorch returns them from LSTM.
struct LSTMOutput {
  Tensor output;
  LSTMState state;  // h [layers * dirs, batch, proj_size or H], c [layers * dirs, batch, H]
};

// What RNN, LSTM and GRU share: the stacked layers, their parameters and the forward over them.
class RNNBaseImpl : public Module {
 public:
  std::string extra_repr() const override;
  // Re-draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does.
  void reset_parameters();
  // Number of directions (2 when bidirectional).
  int64_t num_directions() const { return bidirectional ? 2 : 1; }

  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first;
  double dropout;
  bool bidirectional;
  int64_t proj_size;

 protected:
  RNNBaseImpl(const char* type_name, ops::RnnMode mode, int64_t input_size, int64_t hidden_size,
              int64_t num_layers, bool bias, bool batch_first, double dropout, bool bidirectional,
              int64_t proj_size);
  // Runs all layers; c0 and the returned c_n only for LSTM.
  LSTMOutput run(const Tensor& input, const Tensor& h0, const Tensor& c0, const Tensor& lengths);

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
  };
  ops::RnnMode mode_;
  std::vector<Weights> weights_;  // index layer * num_directions() + direction
};

// Elman RNN: h' = tanh (or relu) of (x W_ih^T + b_ih + h W_hh^T + b_hh).
class RNNImpl : public RNNBaseImpl {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  // The output sequence only (so the layer fits in Sequential).
  Tensor forward(const Tensor& input) override;
  // (output, h_n) from an optional initial state h0 and optional lengths.
  RNNOutput forward(const Tensor& input, const Tensor& h0, const Tensor& lengths = {});
  std::string extra_repr() const override;
  RNNNonlinearity nonlinearity;
};
class RNN : public ModuleHolder<RNNImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  RNN(int64_t input_size, int64_t hidden_size, RNNOptions options = {})
      : ModuleHolder(std::make_shared<RNNImpl>(input_size, hidden_size, options)) {}
};

// Long short-term memory, optionally with a projection of h (proj_size).
class LSTMImpl : public RNNBaseImpl {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size, LSTMOptions options = {});
  // The output sequence only.
  Tensor forward(const Tensor& input) override;
  // (output, (h_n, c_n)) from an optional initial state (both h and c, or neither) and optional lengths.
  LSTMOutput forward(const Tensor& input, const LSTMState& state, const Tensor& lengths = {});
};
class LSTM : public ModuleHolder<LSTMImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  LSTM(int64_t input_size, int64_t hidden_size, LSTMOptions options = {})
      : ModuleHolder(std::make_shared<LSTMImpl>(input_size, hidden_size, options)) {}
};

// Gated recurrent unit (PyTorch's placement of the reset gate).
class GRUImpl : public RNNBaseImpl {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size, GRUOptions options = {});
  // The output sequence only.
  Tensor forward(const Tensor& input) override;
  // (output, h_n) from an optional initial state h0 and optional lengths.
  RNNOutput forward(const Tensor& input, const Tensor& h0, const Tensor& lengths = {});
};
class GRU : public ModuleHolder<GRUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  GRU(int64_t input_size, int64_t hidden_size, GRUOptions options = {})
      : ModuleHolder(std::make_shared<GRUImpl>(input_size, hidden_size, options)) {}
};

// What the cells share: weight_ih [G*H, input_size], weight_hh [G*H, H], bias_ih, bias_hh [G*H].
class RNNCellBaseImpl : public Module {
 public:
  std::string extra_repr() const override;
  // Re-draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();

  int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;  // biases undefined when disabled

 protected:
  RNNCellBaseImpl(const char* type_name, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias);
  // Checks input [B, input_size] or [input_size] and a state of the matching shape (when defined).
  void check_step(const Tensor& input, const Tensor& state, const char* state_name) const;
};

// One Elman step.
class RNNCellImpl : public RNNCellBaseImpl {
 public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true,
              RNNNonlinearity nonlinearity = RNNNonlinearity::Tanh);
  // h' from a zero state.
  Tensor forward(const Tensor& input) override;
  // h' from state hx (zeros when undefined).
  Tensor forward(const Tensor& input, const Tensor& hx);
  std::string extra_repr() const override;
  RNNNonlinearity nonlinearity;
};
STRATA_MODULE_HOLDER(RNNCell);

// One LSTM step.
class LSTMCellImpl : public RNNCellBaseImpl {
 public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true);
  // h' from a zero state.
  Tensor forward(const Tensor& input) override;
  // (h', c') from state (h, c) (zeros when both are undefined).
  LSTMState forward(const Tensor& input, const LSTMState& state);
};
STRATA_MODULE_HOLDER(LSTMCell);

// One GRU step.
class GRUCellImpl : public RNNCellBaseImpl {
 public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true);
  // h' from a zero state.
  Tensor forward(const Tensor& input) override;
  // h' from state hx (zeros when undefined).
  Tensor forward(const Tensor& input, const Tensor& hx);
};
STRATA_MODULE_HOLDER(GRUCell);

}  // namespace strata::nn
