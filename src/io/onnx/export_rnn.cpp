// The ONNX exporters of RNN, LSTM and GRU: ONNX's own RNN/LSTM/GRU operators, one node per layer, with
// PyTorch's gate order mapped to ONNX's (LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h with
// linear_before_reset=1) and batch_first through Transposes.
#include <fmt/format.h>

#include <typeinfo>

#include "io/onnx/export_context.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/masked_sequence.h"
#include "strata/nn/rnn.h"
#include "strata/ops/indexing.h"

namespace strata::onnx {

namespace {

// The rows of `w` ([gates * H, ...]) with its gate blocks in `order`.
Tensor reorder_gates(const Tensor& w, const std::vector<int64_t>& order, int64_t hidden) {
  std::vector<Tensor> blocks;
  for (int64_t g : order) blocks.push_back(w.detach().narrow(0, g * hidden, hidden));
  return ops::cat(blocks, 0).contiguous();
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
  STRATA_CHECK(r.proj_size == 0,
               "onnx::export_model: LSTM '{}' has proj_size={}: ONNX's LSTM operator has no projection "
               "(weight_hr), so this layer does not export",
               path, r.proj_size);
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
