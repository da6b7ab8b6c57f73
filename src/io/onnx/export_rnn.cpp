// The ONNX exporters of RNN, LSTM and GRU: ONNX's own RNN/LSTM/GRU operators, one node per layer, with
// PyTorch's gate order mapped to ONNX's (LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h with
// linear_before_reset=1) and batch_first through Transposes; LSTM with proj_size as a Scan per layer and
// direction whose body computes the gates and the projection. The padding-aware subclasses read the real
// lengths as sequence_lens.
#include <fmt/format.h>

#include <typeinfo>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/masked_sequence.h"
#include "strata/nn/rnn.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"

namespace strata::onnx {

namespace {

// The rows of `w` ([gates * H, ...]) with its gate blocks in `order`.
Tensor reorder_gates(const Tensor& w, const std::vector<int64_t>& order, int64_t hidden) {
  std::vector<Tensor> blocks;
  for (int64_t g : order) blocks.push_back(w.detach().narrow(0, g * hidden, hidden));
  return ops::cat(blocks, 0).contiguous();
}

// A value info of `elem` type with symbolic dims named `dims` ("" for an unnamed one).
void typed(::onnx::ValueInfoProto* v, const std::string& name, Dtype dtype,
           const std::vector<std::string>& dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(to_onnx_dtype(dtype));
  for (const auto& d : dims) t->mutable_shape()->add_dim()->set_dim_param(d);
}

// One direction of one projected-LSTM layer over x [T, B, I] as a Scan (the sequence length stays dynamic):
// the body computes PyTorch's gates (i, f, g, o), c' = f c + i g and h' = (o tanh(c')) W_hr^T from the states
// h [B, P] and c [B, H]. Returns {outputs [T, B, P] in time order, the final h [B, P]}.
std::pair<std::string, std::string> projected_direction(ExportContext& ctx, nn::Module& m,
                                                        const std::string& x, int64_t layer, bool reverse,
                                                        int64_t H, int64_t P, Dtype dt,
                                                        const std::string& base, const std::string& h) {
  const std::string suffix = fmt::format("_l{}{}", layer, reverse ? "_reverse" : "");
  const std::string hd = fmt::format("{}/l{}{}", h, layer, reverse ? "_reverse" : "");
  auto weight_t = [&](const std::string& name) {
    const Tensor w = own_tensor(m, name + suffix);
    return ctx.initializer(w.detach().t().contiguous(), base + "." + name + suffix + "_t");
  };
  const std::string w_ih = weight_t("weight_ih"), w_hh = weight_t("weight_hh"), w_hr = weight_t("weight_hr");
  const Tensor b_ih = own_tensor(m, "bias_ih" + suffix), b_hh = own_tensor(m, "bias_hh" + suffix);
  const std::string bias =
      b_ih.defined() ? ctx.initializer(ops::add(b_ih.detach(), b_hh.detach()), base + ".bias" + suffix) : "";
  // Zero initial states [B, P] and [B, H], B read from x.
  const std::string batch = ctx.op(
      "Slice", {ctx.op("Shape", {x}, hd + "/x_shape"), ctx.ints({1}, hd + "/b0"), ctx.ints({2}, hd + "/b1")},
      hd + "/batch");
  auto zeros_of = [&](int64_t width, const std::string& name) {
    return ctx.op("ConstantOfShape",
                  {ctx.op("Concat", {batch, ctx.ints({width}, hd + "/" + name + "_width")},
                          hd + "/" + name + "_shape", {{"axis", int64_t{0}}})},
                  hd + "/" + name + "0", {Attr("value", zeros({1}, {.dtype = dt}))});
  };
  const std::string h0 = zeros_of(P, "h"), c0 = zeros_of(H, "c");

  ::onnx::GraphProto body;
  body.set_name(ctx.fresh(hd + "/body"));
  ExportContext b(body, ctx.opset());
  const std::string p = ctx.fresh(hd + "/step");  // a prefix no outer name uses
  const std::string h_in = p + "/h_prev", c_in = p + "/c_prev", x_in = p + "/x_t";
  typed(body.add_input(), h_in, dt, {"batch", "proj"});
  typed(body.add_input(), c_in, dt, {"batch", "hidden"});
  typed(body.add_input(), x_in, dt, {"batch", "features"});
  std::string gates =
      b.op("Add", {b.op("MatMul", {x_in, w_ih}, p + "/xw"), b.op("MatMul", {h_in, w_hh}, p + "/hw")},
           p + "/gates_nobias");
  if (!bias.empty()) gates = b.op("Add", {gates, bias}, p + "/gates");
  const std::vector<std::string> g = b.node("Split", {gates}, p + "/gate", {{"axis", int64_t{1}}}, 4);
  const std::string i = b.op("Sigmoid", {g[0]}, p + "/i"), f = b.op("Sigmoid", {g[1]}, p + "/f");
  const std::string cell = b.op("Tanh", {g[2]}, p + "/g"), o = b.op("Sigmoid", {g[3]}, p + "/o");
  const std::string c_out =
      b.op("Add", {b.op("Mul", {f, c_in}, p + "/fc"), b.op("Mul", {i, cell}, p + "/ig")}, p + "/c");
  const std::string h_out =
      b.op("MatMul", {b.op("Mul", {o, b.op("Tanh", {c_out}, p + "/tanh_c")}, p + "/h_full"), w_hr}, p + "/h");
  const std::string y_out = b.op("Identity", {h_out}, p + "/y");
  typed(body.add_output(), h_out, dt, {"batch", "proj"});
  typed(body.add_output(), c_out, dt, {"batch", "hidden"});
  typed(body.add_output(), y_out, dt, {"batch", "proj"});

  std::vector<Attr> attrs{{"num_scan_inputs", int64_t{1}}, Attr("body", body)};
  if (reverse) {
    attrs.emplace_back("scan_input_directions", std::vector<int64_t>{1});
    attrs.emplace_back("scan_output_directions", std::vector<int64_t>{1});
  }
  const std::vector<std::string> outs = ctx.node("Scan", {h0, c0, x}, hd + "/scan", std::move(attrs), 3);
  return {outs[2], outs[0]};
}

// LSTM with proj_size (ONNX's LSTM has no projection): each layer and direction a Scan over the time steps;
// directions concatenated on the features, batch_first through Transposes. The output sequence, or with
// return_sequences false the last layer's final h, directions side by side [B, dirs * P].
std::string projected_lstm(ExportContext& ctx, nn::Module& m, const nn::RNNBaseImpl& r,
                           const std::string& path, const std::string& x, bool return_sequences) {
  const std::string h = path.empty() ? "LSTM" : path, base = path.empty() ? "LSTM" : path;
  const Dtype dt = own_tensor(m, "weight_ih_l0").dtype();
  std::string cur = x;
  if (r.batch_first)
    cur = ctx.op("Transpose", {cur}, h + "/to_seq_first", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  std::vector<std::string> finals;
  for (int64_t layer = 0; layer < r.num_layers; ++layer) {
    std::vector<std::string> seqs;
    finals.clear();
    for (int64_t d = 0; d < r.num_directions(); ++d) {
      auto [seq, last] =
          projected_direction(ctx, m, cur, layer, d == 1, r.hidden_size, r.proj_size, dt, base, h);
      seqs.push_back(seq);
      finals.push_back(last);
    }
    cur = seqs.size() == 1
              ? seqs[0]
              : ctx.op("Concat", seqs, fmt::format("{}/l{}/out", h, layer), {{"axis", int64_t{2}}});
  }
  if (!return_sequences) {
    return finals.size() == 1 ? finals[0] : ctx.op("Concat", finals, h + "/state", {{"axis", int64_t{1}}});
  }
  if (r.batch_first)
    cur = ctx.op("Transpose", {cur}, h + "/to_batch_first", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  return cur;
}

std::vector<Value> export_recurrent(ExportContext& ctx, nn::Module& m, const std::string& path,
                                    const std::vector<Value>& inputs, const std::string& op) {
  auto& r = checked_cast<nn::RNNBaseImpl>(m, path);
  const std::string h = path.empty() ? op : path;
  // The layers themselves and the padding-aware subclasses (strata/nn/masked_sequence.h: sequence lengths
  // from the model's masking embedding, and optionally the final state instead of the sequence) export; other
  // subclasses change forward() in ways the ONNX operator does not know.
  const bool exact = (op == "RNN" && typeid(m) == typeid(nn::RNNImpl)) ||
                     (op == "LSTM" && typeid(m) == typeid(nn::LSTMImpl)) ||
                     (op == "GRU" && typeid(m) == typeid(nn::GRUImpl));
  const nn::SequenceMask* mask = nullptr;
  bool return_sequences = true;
  if (auto* p = dynamic_cast<nn::MaskedRNNImpl*>(&m); p && typeid(m) == typeid(nn::MaskedRNNImpl)) {
    mask = p->mask().get(), return_sequences = p->return_sequences;
  } else if (auto* l = dynamic_cast<nn::MaskedLSTMImpl*>(&m); l && typeid(m) == typeid(nn::MaskedLSTMImpl)) {
    mask = l->mask().get(), return_sequences = l->return_sequences;
  } else if (auto* g = dynamic_cast<nn::MaskedGRUImpl*>(&m); g && typeid(m) == typeid(nn::MaskedGRUImpl)) {
    mask = g->mask().get(), return_sequences = g->return_sequences;
  }
  STRATA_CHECK(
      exact || mask != nullptr,
      "onnx::export_model: module '{}' of type {} is a subclass of nn::{} with its own forward, which has no "
      "ONNX exporter",
      path.empty() ? "<root>" : path, m.type_name(), op);
  STRATA_CHECK(inputs.size() == 1, "onnx::export_model: {} '{}' takes one input, got {}", m.type_name(), path,
               inputs.size());
  const Value& x = inputs[0];
  STRATA_CHECK(
      x.example.dim() == 3,
      "onnx::export_model: {} '{}' exports for batched input [steps, batch, features] (or [batch, steps, "
      "features] with batch_first); got shape {}",
      m.type_name(), path, x.example.shape().str());
  const Tensor y = m.forward(x.example);

  const int64_t H = r.hidden_size, dirs = r.num_directions();
  const std::vector<int64_t> order = op == "LSTM"  ? std::vector<int64_t>{0, 3, 1, 2}
                                     : op == "GRU" ? std::vector<int64_t>{1, 0, 2}
                                                   : std::vector<int64_t>{0};
  const int64_t gates = static_cast<int64_t>(order.size());
  std::string cur = x.name;
  // Real lengths (int32 [B], ONNX's sequence_lens): steps past them are skipped, their outputs are zero and
  // the reverse direction starts at each sequence's end, as the masked layers compute.
  std::string lengths;
  if (mask != nullptr) {
    auto it = ctx.sequence_lengths.find(mask);
    if (it != ctx.sequence_lengths.end()) {
      lengths = ctx.op("Cast", {it->second}, h + "/sequence_lens",
                       {{"to", static_cast<int64_t>(::onnx::TensorProto::INT32)}});
    }
  }
  if (r.proj_size > 0) {
    STRATA_CHECK(
        lengths.empty(),
        "onnx::export_model: LSTM '{}' with proj_size={} over padded sequences (real lengths from the "
        "embedding) does not export; the projected LSTM exports over whole sequences",
        path, r.proj_size);
    return {{projected_lstm(ctx, m, r, path, x.name, return_sequences), y}};
  }
  std::string last_state;
  if (r.batch_first)
    cur = ctx.op("Transpose", {cur}, h + "/to_seq_first", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  for (int64_t layer = 0; layer < r.num_layers; ++layer) {
    std::vector<Tensor> W, R, B;
    for (int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = fmt::format("_l{}{}", layer, d == 1 ? "_reverse" : "");
      const Tensor w_ih = own_tensor(m, "weight_ih" + suffix), w_hh = own_tensor(m, "weight_hh" + suffix);
      W.push_back(reorder_gates(w_ih, order, H));
      R.push_back(reorder_gates(w_hh, order, H));
      const Tensor b_ih = own_tensor(m, "bias_ih" + suffix), b_hh = own_tensor(m, "bias_hh" + suffix);
      if (b_ih.defined()) {
        B.push_back(ops::cat({reorder_gates(b_ih, order, H), reorder_gates(b_hh, order, H)}, 0));
      } else {
        B.push_back(zeros({2 * gates * H}, {.dtype = w_ih.dtype()}));
      }
    }
    const std::string lh = fmt::format("{}/l{}", h, layer);
    std::vector<Attr> attrs{{"hidden_size", H}, {"direction", dirs == 2 ? "bidirectional" : "forward"}};
    if (op == "RNN") {
      const auto& rnn = checked_cast<nn::RNNImpl>(m, path);
      const std::string act = rnn.nonlinearity == nn::RNNNonlinearity::Relu ? "Relu" : "Tanh";
      attrs.emplace_back("activations", std::vector<std::string>(static_cast<size_t>(dirs), act));
    }
    if (op == "GRU") attrs.emplace_back("linear_before_reset", int64_t{1});
    const std::string w =
        ctx.initializer(ops::stack(W, 0), fmt::format("{}.W_l{}", path.empty() ? op : path, layer));
    const std::string rr =
        ctx.initializer(ops::stack(R, 0), fmt::format("{}.R_l{}", path.empty() ? op : path, layer));
    const std::string b =
        ctx.initializer(ops::stack(B, 0), fmt::format("{}.B_l{}", path.empty() ? op : path, layer));
    // Y [steps, dirs, batch, H] -> [steps, batch, dirs, H] -> [steps, batch, dirs * H].
    std::vector<std::string> ins{cur, w, rr, b};
    if (!lengths.empty()) ins.push_back(lengths);
    const std::vector<std::string> outs = ctx.node(op, ins, lh + "/Y", std::move(attrs), 2);
    const std::string y4 = outs[0];
    last_state = outs[1];  // Y_h [dirs, batch, H]
    const std::string yt =
        ctx.op("Transpose", {y4}, lh + "/Yt", {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
    cur = ctx.reshape(yt, {0, 0, dirs * H}, lh + "/out");
  }
  if (!return_sequences) {
    // The final hidden state of the last layer, directions side by side: [batch, dirs * H].
    const std::string t =
        ctx.op("Transpose", {last_state}, h + "/state_t", {{"perm", std::vector<int64_t>{1, 0, 2}}});
    return {{ctx.reshape(t, {0, dirs * H}, h + "/state"), y}};
  }
  if (r.batch_first)
    cur = ctx.op("Transpose", {cur}, h + "/to_batch_first", {{"perm", std::vector<int64_t>{1, 0, 2}}});
  return {{cur, y}};
}

}  // namespace

void register_rnn_exporters() {
  for (const std::string op : {"RNN", "LSTM", "GRU"}) {
    register_exporter(
        op, [op](ExportContext& ctx, nn::Module& m, const std::string& path,
                 const std::vector<Value>& inputs) { return export_recurrent(ctx, m, path, inputs, op); });
  }
}

}  // namespace strata::onnx
