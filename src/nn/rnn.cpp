#include "strata/nn/rnn.h"

#include <cmath>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/dropout.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

int64_t gate_count(ops::RnnMode mode) {
  switch (mode) {
    case ops::RnnMode::Lstm:
      return 4;
    case ops::RnnMode::Gru:
      return 3;
    default:
      return 1;
  }
}

void init_uniform(Tensor t, int64_t hidden_size) {
  if (!t.defined()) return;
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  init::uniform_(t, -bound, bound);
}

const char* nonlinearity_name(RNNNonlinearity n) { return n == RNNNonlinearity::Tanh ? "tanh" : "relu"; }

}  // namespace

// ---- stacked layers ---------------------------------------------------------------------------------

RNNBaseImpl::RNNBaseImpl(const char* type_name, ops::RnnMode mode, int64_t input_size, int64_t hidden_size,
                         int64_t num_layers, bool bias, bool batch_first, double dropout, bool bidirectional,
                         int64_t proj_size)
    : Module(type_name),
      input_size(input_size),
      hidden_size(hidden_size),
      num_layers(num_layers),
      bias(bias),
      batch_first(batch_first),
      dropout(dropout),
      bidirectional(bidirectional),
      proj_size(proj_size),
      mode_(mode) {
  STRATA_CHECK(input_size > 0 && hidden_size > 0,
               "{}: input_size and hidden_size must be positive, got {} and {}", type_name, input_size,
               hidden_size);
  STRATA_CHECK(num_layers >= 1, "{}: num_layers must be at least 1, got {}", type_name, num_layers);
  STRATA_CHECK(dropout >= 0.0 && dropout <= 1.0, "{}: dropout must be in [0, 1], got {}", type_name, dropout);
  STRATA_CHECK(proj_size >= 0 && proj_size < hidden_size,
               "{}: proj_size must be in [0, hidden_size) = [0, {}), got {}", type_name, hidden_size,
               proj_size);
  const int64_t gates = gate_count(mode);
  const int64_t real_hidden = proj_size > 0 ? proj_size : hidden_size;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    for (int64_t dir = 0; dir < num_directions(); ++dir) {
      const std::string suffix = fmt::format("_l{}{}", layer, dir == 1 ? "_reverse" : "");
      const int64_t layer_input = layer == 0 ? input_size : real_hidden * num_directions();
      Weights w;
      w.w_ih = register_parameter("weight_ih" + suffix, empty({gates * hidden_size, layer_input}));
      w.w_hh = register_parameter("weight_hh" + suffix, empty({gates * hidden_size, real_hidden}));
      if (bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, empty({gates * hidden_size}));
        w.b_hh = register_parameter("bias_hh" + suffix, empty({gates * hidden_size}));
      }
      if (proj_size > 0) w.w_hr = register_parameter("weight_hr" + suffix, empty({proj_size, hidden_size}));
      weights_.push_back(w);
    }
  }
  reset_parameters();
}

void RNNBaseImpl::reset_parameters() {
  for (Weights& w : weights_) {
    for (Tensor* t : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh, &w.w_hr}) init_uniform(*t, hidden_size);
  }
}

std::string RNNBaseImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", input_size, hidden_size);
  if (proj_size > 0) s += fmt::format(", proj_size={}", proj_size);
  if (num_layers != 1) s += fmt::format(", num_layers={}", num_layers);
  if (!bias) s += ", bias=false";
  if (batch_first) s += ", batch_first=true";
  if (dropout != 0.0) s += fmt::format(", dropout={}", dropout);
  if (bidirectional) s += ", bidirectional=true";
  return s;
}

LSTMOutput RNNBaseImpl::run(const Tensor& input, const Tensor& h0, const Tensor& c0, const Tensor& lengths) {
  const char* name = type_name().c_str();
  const bool lstm = mode_ == ops::RnnMode::Lstm;
  const int64_t dirs = num_directions();
  const int64_t real_hidden = proj_size > 0 ? proj_size : hidden_size;
  const Dtype param_dtype = weights_[0].w_ih.dtype();
  STRATA_CHECK(input.defined(), "{}: input is undefined", name);
  STRATA_CHECK(input.dim() == 2 || input.dim() == 3,
               "{}: expected input of shape [steps, batch, {}]{} or unbatched [steps, {}], got shape {}",
               name, input_size, batch_first ? " (batch_first: [batch, steps, features])" : "", input_size,
               input.shape().str());
  STRATA_CHECK(input.dtype() == param_dtype, "{}: input is {}, but the parameters are {}", name,
               dtype_name(input.dtype()), dtype_name(param_dtype));
  STRATA_CHECK(input.size(-1) == input_size, "{}: input of shape {} has {} features, expected input_size {}",
               name, input.shape().str(), input.size(-1), input_size);
  const bool batched = input.dim() == 3;
  // Work in [steps, batch, features].
  const Tensor x = !batched ? ops::unsqueeze(input, 1) : batch_first ? ops::transpose(input, 0, 1) : input;
  const int64_t steps = x.shape()[0], batch = x.shape()[1];
  STRATA_CHECK(steps >= 1, "{}: input of shape {} has no steps", name, input.shape().str());
  STRATA_CHECK(batch >= 1, "{}: input of shape {} has an empty batch", name, input.shape().str());

  // Initial states: [layers * dirs, batch, H] (or [layers * dirs, H] unbatched), never batch-first.
  auto check_state = [&](const Tensor& s, const char* what, int64_t size) {
    if (!s.defined()) return s;
    const Shape want = batched ? Shape{num_layers * dirs, batch, size} : Shape{num_layers * dirs, size};
    STRATA_CHECK(s.shape() == want, "{}: {} has shape {}, expected {} for input of shape {}", name, what,
                 s.shape().str(), want.str(), input.shape().str());
    STRATA_CHECK(s.dtype() == param_dtype, "{}: {} is {}, but the parameters are {}", name, what,
                 dtype_name(s.dtype()), dtype_name(param_dtype));
    return batched ? s : ops::unsqueeze(s, 1);
  };
  const Tensor h = check_state(h0, "h0", real_hidden);
  const Tensor c = lstm ? check_state(c0, "c0", hidden_size) : Tensor();
  if (lengths.defined()) {
    STRATA_CHECK(batched, "{}: lengths need a batched input, got unbatched shape {}", name,
                 input.shape().str());
    STRATA_CHECK(lengths.dtype() == kInt64 && lengths.dim() == 1 && lengths.shape()[0] == batch,
                 "{}: lengths must be an i64 tensor of shape [{}] (one per batch entry), got {} of shape {}",
                 name, batch, dtype_name(lengths.dtype()), lengths.shape().str());
    const std::vector<int64_t> l = lengths.to_vector<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
      STRATA_CHECK(l[b] >= 1, "{}: lengths[{}] is {}; every sequence needs at least one step", name, b, l[b]);
      STRATA_CHECK(l[b] <= steps, "{}: lengths[{}] is {}, longer than the {} steps of input of shape {}",
                   name, b, l[b], steps, input.shape().str());
    }
  }

  Tensor layer_input = x;
  std::vector<Tensor> hs, cs;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    std::vector<Tensor> outs;
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const int64_t k = layer * dirs + dir;
      const Weights& w = weights_[static_cast<size_t>(k)];
      ops::RnnLayerOutput r = ops::rnn_layer(
          mode_, layer_input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h.defined() ? ops::select(h, 0, k) : Tensor(),
          c.defined() ? ops::select(c, 0, k) : Tensor(), w.w_hr, lengths, dir == 1);
      outs.push_back(r.output);
      hs.push_back(r.h_n);
      if (lstm) cs.push_back(r.c_n);
    }
    layer_input = dirs == 1 ? outs[0] : ops::cat(outs, 2);
    if (dropout > 0.0 && is_training() && layer + 1 < num_layers)
      layer_input = ops::dropout(layer_input, dropout);
  }

  LSTMOutput result;
  result.output = !batched      ? ops::squeeze(layer_input, 1)
                  : batch_first ? ops::transpose(layer_input, 0, 1)
                                : layer_input;
  result.state.h = ops::stack(hs, 0);
  if (lstm) result.state.c = ops::stack(cs, 0);
  if (!batched) {
    result.state.h = ops::squeeze(result.state.h, 1);
    if (lstm) result.state.c = ops::squeeze(result.state.c, 1);
  }
  return result;
}

// ---- RNN, LSTM, GRU ----------------------------------------------------------------------------------

RNNImpl::RNNImpl(int64_t input_size, int64_t hidden_size, RNNOptions o)
    : RNNBaseImpl("RNN", o.nonlinearity == RNNNonlinearity::Tanh ? ops::RnnMode::Tanh : ops::RnnMode::Relu,
                  input_size, hidden_size, o.num_layers, o.bias, o.batch_first, o.dropout, o.bidirectional,
                  0),
      nonlinearity(o.nonlinearity) {}

Tensor RNNImpl::forward(const Tensor& input) { return run(input, {}, {}, {}).output; }

RNNOutput RNNImpl::forward(const Tensor& input, const Tensor& h0, const Tensor& lengths) {
  LSTMOutput r = run(input, h0, {}, lengths);
  return {r.output, r.state.h};
}

std::string RNNImpl::extra_repr() const {
  std::string s = RNNBaseImpl::extra_repr();
  if (nonlinearity != RNNNonlinearity::Tanh)
    s += fmt::format(", nonlinearity={}", nonlinearity_name(nonlinearity));
  return s;
}

LSTMImpl::LSTMImpl(int64_t input_size, int64_t hidden_size, LSTMOptions o)
    : RNNBaseImpl("LSTM", ops::RnnMode::Lstm, input_size, hidden_size, o.num_layers, o.bias, o.batch_first,
                  o.dropout, o.bidirectional, o.proj_size) {}

Tensor LSTMImpl::forward(const Tensor& input) { return run(input, {}, {}, {}).output; }

LSTMOutput LSTMImpl::forward(const Tensor& input, const LSTMState& state, const Tensor& lengths) {
  STRATA_CHECK(state.h.defined() == state.c.defined(),
               "LSTM: the initial state needs both h0 and c0 (or neither, for zeros); got only {}",
               state.h.defined() ? "h0" : "c0");
  return run(input, state.h, state.c, lengths);
}

GRUImpl::GRUImpl(int64_t input_size, int64_t hidden_size, GRUOptions o)
    : RNNBaseImpl("GRU", ops::RnnMode::Gru, input_size, hidden_size, o.num_layers, o.bias, o.batch_first,
                  o.dropout, o.bidirectional, 0) {}

Tensor GRUImpl::forward(const Tensor& input) { return run(input, {}, {}, {}).output; }

RNNOutput GRUImpl::forward(const Tensor& input, const Tensor& h0, const Tensor& lengths) {
  LSTMOutput r = run(input, h0, {}, lengths);
  return {r.output, r.state.h};
}

// ---- cells --------------------------------------------------------------------------------------------

RNNCellBaseImpl::RNNCellBaseImpl(const char* type_name, int64_t gates, int64_t input_size,
                                 int64_t hidden_size, bool bias)
    : Module(type_name), input_size(input_size), hidden_size(hidden_size) {
  STRATA_CHECK(input_size > 0 && hidden_size > 0,
               "{}: input_size and hidden_size must be positive, got {} and {}", type_name, input_size,
               hidden_size);
  weight_ih = register_parameter("weight_ih", empty({gates * hidden_size, input_size}));
  weight_hh = register_parameter("weight_hh", empty({gates * hidden_size, hidden_size}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({gates * hidden_size}));
    bias_hh = register_parameter("bias_hh", empty({gates * hidden_size}));
  }
  reset_parameters();
}

void RNNCellBaseImpl::reset_parameters() {
  for (Tensor* t : {&weight_ih, &weight_hh, &bias_ih, &bias_hh}) init_uniform(*t, hidden_size);
}

std::string RNNCellBaseImpl::extra_repr() const {
  return fmt::format("{}, {}{}", input_size, hidden_size, bias_ih.defined() ? "" : ", bias=false");
}

void RNNCellBaseImpl::check_step(const Tensor& input, const Tensor& state, const char* state_name) const {
  const char* name = type_name().c_str();
  STRATA_CHECK(input.defined(), "{}: input is undefined", name);
  STRATA_CHECK((input.dim() == 1 || input.dim() == 2) && input.size(-1) == input_size,
               "{}: expected input of shape [batch, {}] or [{}] (input_size {}), got shape {}", name,
               input_size, input_size, input_size, input.shape().str());
  STRATA_CHECK(input.dtype() == weight_ih.dtype(), "{}: input is {}, but the parameters are {}", name,
               dtype_name(input.dtype()), dtype_name(weight_ih.dtype()));
  if (!state.defined()) return;
  const Shape want = input.dim() == 2 ? Shape{input.shape()[0], hidden_size} : Shape{hidden_size};
  STRATA_CHECK(state.shape() == want, "{}: {} has shape {}, expected {} for input of shape {}", name,
               state_name, state.shape().str(), want.str(), input.shape().str());
  STRATA_CHECK(state.dtype() == weight_ih.dtype(), "{}: {} is {}, but the parameters are {}", name,
               state_name, dtype_name(state.dtype()), dtype_name(weight_ih.dtype()));
}

RNNCellImpl::RNNCellImpl(int64_t input_size, int64_t hidden_size, bool bias, RNNNonlinearity nonlinearity)
    : RNNCellBaseImpl("RNNCell", 1, input_size, hidden_size, bias), nonlinearity(nonlinearity) {}

Tensor RNNCellImpl::forward(const Tensor& input) { return forward(input, Tensor()); }

Tensor RNNCellImpl::forward(const Tensor& input, const Tensor& hx) {
  check_step(input, hx, "hx");
  return nonlinearity == RNNNonlinearity::Tanh
             ? ops::rnn_tanh_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh)
             : ops::rnn_relu_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

std::string RNNCellImpl::extra_repr() const {
  std::string s = RNNCellBaseImpl::extra_repr();
  if (nonlinearity != RNNNonlinearity::Tanh)
    s += fmt::format(", nonlinearity={}", nonlinearity_name(nonlinearity));
  return s;
}

LSTMCellImpl::LSTMCellImpl(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBaseImpl("LSTMCell", 4, input_size, hidden_size, bias) {}

Tensor LSTMCellImpl::forward(const Tensor& input) { return forward(input, LSTMState{}).h; }

LSTMState LSTMCellImpl::forward(const Tensor& input, const LSTMState& state) {
  STRATA_CHECK(state.h.defined() == state.c.defined(),
               "LSTMCell: the state needs both h and c (or neither, for zeros); got only {}",
               state.h.defined() ? "h" : "c");
  check_step(input, state.h, "h");
  check_step(input, state.c, "c");
  return ops::lstm_cell(input, state, weight_ih, weight_hh, bias_ih, bias_hh);
}

GRUCellImpl::GRUCellImpl(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBaseImpl("GRUCell", 3, input_size, hidden_size, bias) {}

Tensor GRUCellImpl::forward(const Tensor& input) { return forward(input, Tensor()); }

Tensor GRUCellImpl::forward(const Tensor& input, const Tensor& hx) {
  check_step(input, hx, "hx");
  return ops::gru_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

}  // namespace strata::nn
