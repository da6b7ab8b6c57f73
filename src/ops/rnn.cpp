// Recurrent layers: one layer-direction is an input projection for all steps (ops::linear, one large
// product) followed by one fused recurrence node. The recurrence's outputs (the output sequence, h_n and
// c_n) live in one flat tensor so a single node carries them; the three results are differentiable views
// into it. Its backward is back-propagation through time in the kernel, then one product per weight.
#include "strata/ops/rnn.h"

#include <string>

#include "kernels/rnn.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

using autograd::Grads;

const char* op_name(RnnMode mode) {
  switch (mode) {
    case RnnMode::Tanh:
      return "rnn_tanh";
    case RnnMode::Relu:
      return "rnn_relu";
    case RnnMode::Lstm:
      return "lstm";
    case RnnMode::Gru:
      return "gru";
  }
  return "rnn";
}

kernels::RnnMode kernel_mode(RnnMode mode) {
  switch (mode) {
    case RnnMode::Tanh:
      return kernels::RnnMode::Tanh;
    case RnnMode::Relu:
      return kernels::RnnMode::Relu;
    case RnnMode::Lstm:
      return kernels::RnnMode::Lstm;
    case RnnMode::Gru:
      return kernels::RnnMode::Gru;
  }
  return kernels::RnnMode::Tanh;
}

int64_t gate_count(RnnMode mode) { return kernels::rnn_gate_count(kernel_mode(mode)); }

// An operand that must match the input's dtype and device and have `shape`.
void check_operand(const char* op, const char* what, const Tensor& t, const Tensor& input,
                   const Shape& shape) {
  STRATA_CHECK(t.dtype() == input.dtype() && t.device() == input.device(),
               "{}: {} is {} on {}, but the input is {} on {}", op, what, dtype_name(t.dtype()),
               t.device().str(), dtype_name(input.dtype()), input.device().str());
  STRATA_CHECK(t.shape() == shape, "{}: {} has shape {}, expected {}", op, what, t.shape().str(),
               shape.str());
}

// Validates lengths ([B] i64 on the CPU, entries in [1, T]) and returns a private copy for the kernels
// (backward reads it later; a caller's in-place change must not reach it).
Tensor checked_lengths(const char* op, const Tensor& lengths, int64_t steps, int64_t batch) {
  STRATA_CHECK(lengths.dtype() == kInt64 && lengths.device().is_cpu(),
               "{}: lengths must be an i64 CPU tensor, got {} on {}", op, dtype_name(lengths.dtype()),
               lengths.device().str());
  STRATA_CHECK(lengths.dim() == 1 && lengths.shape()[0] == batch,
               "{}: lengths has shape {}, expected [{}] (one length per batch entry)", op,
               lengths.shape().str(), batch);
  const Tensor l = clone(detach(lengths));
  const int64_t* p = l.data_ptr<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    STRATA_CHECK(p[b] >= 1, "{}: lengths[{}] is {}; every sequence needs at least one step", op, b, p[b]);
    STRATA_CHECK(p[b] <= steps, "{}: lengths[{}] is {}, longer than the input's {} steps", op, b, p[b],
                 steps);
  }
  return l;
}

// A contiguous [rows, cols] view of rows of a [T, B, X] buffer (no autograd).
Tensor rows_of(const Tensor& t) { return t.view({t.shape()[0] * t.shape()[1], t.shape()[2]}); }

}  // namespace

RnnLayerOutput rnn_layer(RnnMode mode, const Tensor& input, const Tensor& w_ih, const Tensor& w_hh,
                         const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Tensor& c0,
                         const Tensor& w_hr, const Tensor& lengths, bool reverse) {
  const char* op = op_name(mode);
  const bool lstm = mode == RnnMode::Lstm;
  STRATA_CHECK(input.defined() && w_ih.defined() && w_hh.defined(), "{}: input, w_ih and w_hh are required",
               op);
  STRATA_CHECK(input.dtype() == kFloat32 || input.dtype() == kFloat64, "{}: input must be f32 or f64, got {}",
               op, dtype_name(input.dtype()));
  STRATA_CHECK(input.dim() == 3, "{}: input must be [steps, batch, input_size], got shape {}", op,
               input.shape().str());
  const int64_t steps = input.shape()[0], batch = input.shape()[1], in = input.shape()[2];
  STRATA_CHECK(steps >= 1 && batch >= 1,
               "{}: input of shape {} is empty (need at least one step and one batch entry)", op,
               input.shape().str());
  const int64_t gates = gate_count(mode);
  STRATA_CHECK(w_ih.dim() == 2 && w_ih.shape()[0] % gates == 0 && w_ih.shape()[0] > 0,
               "{}: w_ih must be [{} * hidden_size, input_size], got shape {}", op, gates,
               w_ih.shape().str());
  const int64_t hidden = w_ih.shape()[0] / gates;
  STRATA_CHECK(w_ih.shape()[1] == in,
               "{}: input of shape {} does not match w_ih of shape {} ({} != {} input features)", op,
               input.shape().str(), w_ih.shape().str(), in, w_ih.shape()[1]);
  check_operand(op, "w_ih", w_ih, input, w_ih.shape());
  STRATA_CHECK(!w_hr.defined() || lstm, "{}: only LSTM takes a projection weight w_hr", op);
  const int64_t out = w_hr.defined() ? w_hr.shape()[0] : hidden;
  if (w_hr.defined()) {
    STRATA_CHECK(w_hr.dim() == 2 && w_hr.shape()[1] == hidden && out >= 1 && out < hidden,
                 "{}: w_hr must be [proj_size, {}] with 0 < proj_size < {}, got shape {}", op, hidden, hidden,
                 w_hr.shape().str());
    check_operand(op, "w_hr", w_hr, input, w_hr.shape());
  }
  check_operand(op, "w_hh", w_hh, input, {gates * hidden, out});
  if (b_ih.defined()) check_operand(op, "b_ih", b_ih, input, {gates * hidden});
  if (b_hh.defined()) check_operand(op, "b_hh", b_hh, input, {gates * hidden});
  if (h0.defined()) check_operand(op, "h0", h0, input, {batch, out});
  STRATA_CHECK(!c0.defined() || lstm, "{}: only LSTM takes an initial cell state c0", op);
  if (c0.defined()) check_operand(op, "c0", c0, input, {batch, hidden});
  const TensorOptions opts{.dtype = input.dtype(), .device = input.device()};

  kernels::RnnArgs args;
  args.mode = kernel_mode(mode);
  args.reverse = reverse;
  if (lengths.defined()) args.lengths = checked_lengths(op, lengths, steps, batch);
  // All steps' input projections in one product; its node takes d_gx back to input, w_ih and b_ih.
  const Tensor gx = contiguous(linear(input, w_ih, b_ih));
  const Tensor whh = contiguous(w_hh);
  const Tensor bhh = b_hh.defined() ? contiguous(b_hh) : Tensor();
  const Tensor whr = w_hr.defined() ? contiguous(w_hr) : Tensor();
  const Tensor h = h0.defined() ? contiguous(h0) : zeros({batch, out}, opts);
  const Tensor c = lstm ? (c0.defined() ? contiguous(c0) : zeros({batch, hidden}, opts)) : Tensor();
  args.gx = gx;
  args.w_hh = whh;
  args.b_hh = bhh;
  args.w_hr = whr;
  args.h0 = h;
  args.c0 = c;

  const bool save = autograd::needs_grad({gx, whh, bhh, h, c, whr});
  kernels::RnnSaved saved = kernels::rnn_forward(args, save);
  Tensor packed = saved.packed;
  if (save) {
    saved.packed = Tensor();  // the closure must not hold its own output
    args.gx = Tensor();       // nor the projections: backward needs only their shape, kept in `saved`
    args.h0 = args.c0 = Tensor();
    packed = autograd::record(
        op, packed, {gx, whh, bhh, h, c, whr},
        [op, args, saved, need_gx = gx.requires_grad(), need_whh = whh.requires_grad(),
         need_bhh = bhh.defined() && bhh.requires_grad(),
         need_whr = whr.defined() && whr.requires_grad()](const Tensor& g) {
          STRATA_CHECK(!autograd::grad_mode_enabled(),
                       "{}: double backward (create_graph) through the fused recurrent op is not supported",
                       op);
          kernels::RnnGrads r = kernels::rnn_backward(args, saved, g);
          Grads grads(6);
          if (need_gx) grads[0] = r.d_gx;
          if (need_whh) grads[1] = mm(transpose(rows_of(r.d_gh), 0, 1), rows_of(saved.hprev));
          if (need_bhh) grads[2] = sum(r.d_gh, {0, 1});
          grads[3] = r.dh0;
          grads[4] = r.dc0;
          if (need_whr) grads[5] = mm(transpose(rows_of(r.dh_all), 0, 1), rows_of(saved.m));
          return grads;
        });
  }
  RnnLayerOutput result;
  const int64_t seq = steps * batch * out;
  result.output = view(narrow(packed, 0, 0, seq), {steps, batch, out});
  result.h_n = view(narrow(packed, 0, seq, batch * out), {batch, out});
  if (lstm) result.c_n = view(narrow(packed, 0, seq + batch * out, batch * hidden), {batch, hidden});
  return result;
}

namespace {

// A single step: the layer op over a one-step sequence; unbatched [I] / [H] operands get a batch of 1.
RnnLayerOutput cell_step(RnnMode mode, const char* op, const Tensor& input, const Tensor& h, const Tensor& c,
                         const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  STRATA_CHECK(input.defined(), "{}: input is undefined", op);
  STRATA_CHECK(input.dim() == 1 || input.dim() == 2,
               "{}: input must be [batch, input_size] or [input_size], got shape {}", op,
               input.shape().str());
  const bool batched = input.dim() == 2;
  for (const Tensor* s : {&h, &c}) {
    if (!s->defined()) continue;
    STRATA_CHECK(s->dim() == input.dim(), "{}: state of shape {} does not match {} input of shape {}", op,
                 s->shape().str(), batched ? "a batched" : "an unbatched", input.shape().str());
  }
  const Tensor x = batched ? unsqueeze(input, 0) : unsqueeze(unsqueeze(input, 0), 0);
  const Tensor hb = h.defined() && !batched ? unsqueeze(h, 0) : h;
  const Tensor cb = c.defined() && !batched ? unsqueeze(c, 0) : c;
  RnnLayerOutput r;
  try {
    r = rnn_layer(mode, x, w_ih, w_hh, b_ih, b_hh, hb, cb);
  } catch (const Error& e) {
    // Name the cell, not the layer op it runs on (the message keeps the layer op's details).
    const std::string msg = e.what();
    const std::string layer = std::string(op_name(mode)) + ": ";
    STRATA_FAIL("{}: {}", op, msg.starts_with(layer) ? msg.substr(layer.size()) : msg);
  }
  if (!batched) {
    r.h_n = squeeze(r.h_n, 0);
    if (r.c_n.defined()) r.c_n = squeeze(r.c_n, 0);
  }
  return r;
}

}  // namespace

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return cell_step(RnnMode::Tanh, "rnn_tanh_cell", input, h, {}, w_ih, w_hh, b_ih, b_hh).h_n;
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh) {
  return cell_step(RnnMode::Relu, "rnn_relu_cell", input, h, {}, w_ih, w_hh, b_ih, b_hh).h_n;
}

LstmState lstm_cell(const Tensor& input, const LstmState& state, const Tensor& w_ih, const Tensor& w_hh,
                    const Tensor& b_ih, const Tensor& b_hh) {
  STRATA_CHECK(state.h.defined() == state.c.defined(),
               "lstm_cell: the state needs both h and c (or neither, for zeros)");
  RnnLayerOutput r = cell_step(RnnMode::Lstm, "lstm_cell", input, state.h, state.c, w_ih, w_hh, b_ih, b_hh);
  return {r.h_n, r.c_n};
}

Tensor gru_cell(const Tensor& input, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih, const Tensor& b_hh) {
  return cell_step(RnnMode::Gru, "gru_cell", input, h, {}, w_ih, w_hh, b_ih, b_hh).h_n;
}

}  // namespace strata::ops
