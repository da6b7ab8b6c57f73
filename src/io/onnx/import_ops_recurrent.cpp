// The ONNX importer's recurrent layers: RNN, GRU and LSTM.
#include <algorithm>

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

// Reorders the gate blocks of a [D?, G*H, ...] weight or [G*H] bias from ONNX's order to strata's
// (PyTorch's).
Tensor reorder_gates(const Tensor& w, ops::RnnMode mode) {
  if (mode != ops::RnnMode::Lstm && mode != ops::RnnMode::Gru) return w;
  const std::vector<Tensor> g = F::chunk(w, mode == ops::RnnMode::Lstm ? 4 : 3, 0);
  if (mode == ops::RnnMode::Lstm) return F::cat({g[0], g[2], g[3], g[1]}, 0);  // i o f c -> i f c o
  return F::cat({g[1], g[0], g[2]}, 0);                                        // z r h -> r z h
}

// GRU with linear_before_reset = 0 (ONNX's default, not PyTorch's): n = tanh(W_n x + R_n (r * h) + b_wn +
// b_rn).
Tensors gru_reset_first(const Tensor& x, const Tensor& w, const Tensor& rw, const Tensor& b, const Tensor& h0,
                        bool reverse) {
  const int64_t steps = x.shape()[0], hidden = rw.shape()[1];
  const std::vector<Tensor> wg = F::chunk(w, 3, 0), rg = F::chunk(rw, 3, 0);  // z r h
  std::vector<Tensor> bg;
  if (b.defined()) bg = F::chunk(b, 6, 0);
  Tensor h = h0.defined() ? h0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  std::vector<Tensor> outs(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const Tensor xt = x.select(0, t);
    auto lin = [&](int g, const Tensor& in, const Tensor& hh) {
      Tensor v = F::add(F::matmul(in, wg[static_cast<size_t>(g)].t()),
                        F::matmul(hh, rg[static_cast<size_t>(g)].t()));
      if (!bg.empty()) v = F::add(F::add(v, bg[static_cast<size_t>(g)]), bg[static_cast<size_t>(g + 3)]);
      return v;
    };
    const Tensor z = F::sigmoid(lin(0, xt, h));
    const Tensor r = F::sigmoid(lin(1, xt, h));
    const Tensor nn = F::tanh(lin(2, xt, F::mul(r, h)));
    h = F::add(F::mul(F::rsub(z, 1.0), nn), F::mul(z, h));
    outs[static_cast<size_t>(t)] = h;
  }
  return {F::stack(outs, 0), h};
}

// LSTM with peepholes P = [p_i, p_o, p_f] (ONNX's gate order i, o, f, c), step by step.
Tensors lstm_peephole(const Tensor& x, const Tensor& w, const Tensor& rw, const Tensor& b, const Tensor& p,
                      const Tensor& h0, const Tensor& c0, bool reverse) {
  const int64_t steps = x.shape()[0], hidden = rw.shape()[1];
  const std::vector<Tensor> pg = F::chunk(p, 3, 0);
  Tensor bias;
  if (b.defined()) {
    const auto halves = F::chunk(b, 2, 0);
    bias = F::add(halves[0], halves[1]);
  }
  Tensor h = h0.defined() ? h0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  Tensor cell = c0.defined() ? c0 : zeros({x.shape()[1], hidden}, {.dtype = x.dtype()});
  std::vector<Tensor> outs(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    Tensor gates = F::add(F::matmul(x.select(0, t), w.t()), F::matmul(h, rw.t()));
    if (bias.defined()) gates = F::add(gates, bias);
    const std::vector<Tensor> g = F::chunk(gates, 4, 1);  // i o f c
    const Tensor i = F::sigmoid(F::add(g[0], F::mul(pg[0], cell)));
    const Tensor f = F::sigmoid(F::add(g[2], F::mul(pg[2], cell)));
    cell = F::add(F::mul(f, cell), F::mul(i, F::tanh(g[3])));
    const Tensor o = F::sigmoid(F::add(g[1], F::mul(pg[1], cell)));
    h = F::mul(o, F::tanh(cell));
    outs[static_cast<size_t>(t)] = h;
  }
  return {F::stack(outs, 0), h, cell};
}

template <ops::RnnMode Base>
Tensors op_rnn(const OpContext& c) {
  const Node& n = c.node;
  ops::RnnMode mode = Base;
  const std::vector<std::string> acts = n.attr_strings("activations");
  if (Base == ops::RnnMode::Tanh) {
    STRATA_CHECK(
        acts.empty() || std::all_of(acts.begin(), acts.end(), [&](const auto& a) { return a == acts[0]; }),
        "{}: per-direction activations are not supported", n.label());
    const std::string a = acts.empty() ? "Tanh" : acts[0];
    STRATA_CHECK(a == "Tanh" || a == "Relu", "{}: activation '{}' is not supported (Tanh, Relu are)",
                 n.label(), a);
    if (a == "Relu") mode = ops::RnnMode::Relu;
  } else {
    const std::vector<std::string> standard = Base == ops::RnnMode::Lstm
                                                  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                                  : std::vector<std::string>{"Sigmoid", "Tanh"};
    for (size_t i = 0; i < acts.size(); ++i)
      STRATA_CHECK(acts[i] == standard[i % standard.size()], "{}: activation '{}' is not supported",
                   n.label(), acts[i]);
  }
  STRATA_CHECK(!n.has("clip"), "{}: clip is not supported", n.label());
  STRATA_CHECK(n.attr_int("input_forget", 0) == 0, "{}: input_forget is not supported", n.label());
  const bool batch_first = n.attr_int("layout", 0) != 0;
  const std::string direction = n.attr_string("direction", "forward");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  Tensor x = c.required(0);
  if (batch_first) x = x.transpose(0, 1);
  const Tensor &w = c.required(1), &rw = c.required(2), &b = c.in(3);
  Tensor h0 = c.in(5), c0 = c.in(6);
  if (h0.defined() && h0.dtype() != x.dtype()) h0 = h0.to(x.dtype());  // zeros typed f32 by the exporter
  if (c0.defined() && c0.dtype() != x.dtype()) c0 = c0.to(x.dtype());
  if (batch_first) {
    if (h0.defined()) h0 = h0.transpose(0, 1);
    if (c0.defined()) c0 = c0.transpose(0, 1);
  }
  Tensor lengths;
  if (c.in(4).defined()) {
    const std::vector<int64_t> lens = c.ints(4);
    if (!std::all_of(lens.begin(), lens.end(), [&](int64_t l) { return l == x.shape()[0]; }))
      lengths = from_vector<int64_t>(lens, {static_cast<int64_t>(lens.size())});
  }
  const bool reset_first = Base == ops::RnnMode::Gru && n.attr_int("linear_before_reset", 0) == 0;
  STRATA_CHECK(!reset_first || !lengths.defined(),
               "{}: sequence_lens with linear_before_reset=0 is not supported", n.label());
  std::vector<Tensor> ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const Tensor hd = h0.defined() ? h0.select(0, d) : Tensor();
    if (Base == ops::RnnMode::Lstm && c.in(7).defined()) {
      STRATA_CHECK(!lengths.defined(), "{}: sequence_lens with peepholes is not supported", n.label());
      const Tensors out =
          lstm_peephole(x, w.select(0, d), rw.select(0, d), b.defined() ? b.select(0, d) : Tensor(),
                        c.in(7).select(0, d), hd, c0.defined() ? c0.select(0, d) : Tensor(), reverse);
      ys.push_back(out[0]);
      hs.push_back(out[1]);
      cs.push_back(out[2]);
      continue;
    }
    if (reset_first) {
      const Tensors out = gru_reset_first(x, w.select(0, d), rw.select(0, d),
                                          b.defined() ? b.select(0, d) : Tensor(), hd, reverse);
      ys.push_back(out[0]);
      hs.push_back(out[1]);
      continue;
    }
    Tensor b_ih, b_hh;
    if (b.defined()) {
      const auto halves = F::chunk(b.select(0, d), 2, 0);
      b_ih = reorder_gates(halves[0], mode);
      b_hh = reorder_gates(halves[1], mode);
    }
    const ops::RnnLayerOutput out =
        ops::rnn_layer(mode, x, reorder_gates(w.select(0, d), mode), reorder_gates(rw.select(0, d), mode),
                       b_ih, b_hh, hd, c0.defined() ? c0.select(0, d) : Tensor(), {}, lengths, reverse);
    ys.push_back(out.output);
    hs.push_back(out.h_n);
    if (out.c_n.defined()) cs.push_back(out.c_n);
  }
  Tensor y = F::stack(ys, 1);  // [T, D, B, H]
  Tensor h_n = F::stack(hs, 0), c_n = cs.empty() ? Tensor() : F::stack(cs, 0);
  if (batch_first) {
    y = y.permute({2, 0, 1, 3});
    h_n = h_n.transpose(0, 1);
    if (c_n.defined()) c_n = c_n.transpose(0, 1);
  }
  return {y, h_n, c_n};
}

}  // namespace

void add_recurrent_ops(OperatorTable& table) {
  table.insert({
      {"GRU", op_rnn<ops::RnnMode::Gru>},
      {"LSTM", op_rnn<ops::RnnMode::Lstm>},
      {"RNN", op_rnn<ops::RnnMode::Tanh>},
  });
}

}  // namespace strata::onnx::detail
