// The fused recurrent op against a step-by-step reference written with other ops (fused and unfused agree
// in values and gradients), its graph size, threading, no-grad path and error messages.
#include "strata/ops/rnn.h"

#include <gmock/gmock.h>

#include <functional>
#include <set>

#include "strata/autograd/node.h"
#include "test_util.h"

namespace strata {
namespace {

using ops::RnnMode;

int64_t gates(RnnMode m) { return m == RnnMode::Lstm ? 4 : m == RnnMode::Gru ? 3 : 1; }

struct Operands {
  Tensor x, w_ih, w_hh, b_ih, b_hh, h0, c0, w_hr;
  std::vector<Tensor> leaves() const {
    std::vector<Tensor> v;
    for (const Tensor& t : {x, w_ih, w_hh, b_ih, b_hh, h0, c0, w_hr})
      if (t.defined()) v.push_back(t);
    return v;
  }
};

Operands make_operands(RnnMode m, int64_t T, int64_t B, int64_t I, int64_t H, int64_t P, uint64_t seed,
                       Dtype dtype = kFloat64) {
  const int64_t G = gates(m);
  auto leaf = [&](const Shape& s) {
    Generator g(seed++);
    return (randn(s, {.dtype = dtype}, &g) * 0.7).detach().requires_grad_();
  };
  Operands o;
  o.x = leaf({T, B, I});
  o.w_ih = leaf({G * H, I});
  o.w_hh = leaf({G * H, P});
  o.b_ih = leaf({G * H});
  o.b_hh = leaf({G * H});
  o.h0 = leaf({B, P});
  if (m == RnnMode::Lstm) o.c0 = leaf({B, H});
  if (P != H) o.w_hr = leaf({P, H});
  return o;
}

// The recurrence step by step with elementwise ops, masks for lengths, as PyTorch defines it.
ops::RnnLayerOutput reference(RnnMode m, const Operands& o, const Tensor& lengths, bool reverse) {
  const int64_t T = o.x.size(0), H = o.w_ih.size(0) / gates(m);
  Tensor h = o.h0, c = o.c0;
  std::vector<Tensor> outs(static_cast<size_t>(T));
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = reverse ? T - 1 - k : k;
    const Tensor gx = ops::linear(o.x.select(0, t), o.w_ih, o.b_ih);
    const Tensor gh = ops::linear(h, o.w_hh, o.b_hh);
    Tensor hn, cn;
    if (m == RnnMode::Lstm) {
      const std::vector<Tensor> g = ops::chunk(gx + gh, 4, 1);
      cn = ops::sigmoid(g[1]) * c + ops::sigmoid(g[0]) * ops::tanh(g[2]);
      hn = ops::sigmoid(g[3]) * ops::tanh(cn);
      if (o.w_hr.defined()) hn = ops::linear(hn, o.w_hr);
    } else if (m == RnnMode::Gru) {
      const std::vector<Tensor> a = ops::chunk(gx, 3, 1), b = ops::chunk(gh, 3, 1);
      const Tensor r = ops::sigmoid(a[0] + b[0]), z = ops::sigmoid(a[1] + b[1]);
      const Tensor n = ops::tanh(a[2] + r * b[2]);
      hn = (1.0 - z) * n + z * h;
    } else {
      hn = m == RnnMode::Tanh ? ops::tanh(gx + gh) : ops::relu(gx + gh);
    }
    (void)H;
    if (lengths.defined()) {
      const Tensor active = ops::gt(lengths, static_cast<double>(t)).reshape({-1, 1});
      outs[static_cast<size_t>(t)] = ops::where(active, hn, zeros_like(hn));
      h = ops::where(active, hn, h);
      if (cn.defined()) c = ops::where(active, cn, c);
    } else {
      outs[static_cast<size_t>(t)] = hn;
      h = hn;
      c = cn;
    }
  }
  return {ops::stack(outs, 0), h, c};
}

ops::RnnLayerOutput fused(RnnMode m, const Operands& o, const Tensor& lengths, bool reverse) {
  return ops::rnn_layer(m, o.x, o.w_ih, o.w_hh, o.b_ih, o.b_hh, o.h0, o.c0, o.w_hr, lengths, reverse);
}

// sum(out * R1) + sum(h_n * R2) (+ sum(c_n * R3)) with fixed random R, so every output gets a gradient.
Tensor weighted_sum(const ops::RnnLayerOutput& r) {
  Tensor loss;
  uint64_t seed = 100;
  for (const Tensor& t : {r.output, r.h_n, r.c_n}) {
    if (!t.defined()) continue;
    Generator g(seed++);
    const Tensor term = (t * randn(t.shape(), {.dtype = t.dtype()}, &g)).sum();
    loss = loss.defined() ? loss + term : term;
  }
  return loss;
}

std::vector<Tensor> grads_of(const std::function<ops::RnnLayerOutput()>& run, const Operands& o) {
  for (Tensor t : o.leaves()) t.zero_grad();
  weighted_sum(run()).backward();
  std::vector<Tensor> g;
  for (const Tensor& t : o.leaves()) g.push_back(t.grad());
  return g;
}

void expect_same(const Tensor& a, const Tensor& b, double tol, const char* what) {
  ASSERT_EQ(a.defined(), b.defined()) << what;
  if (!a.defined()) return;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_TRUE(allclose(a, b, tol, tol)) << what << "\n" << a << "\n" << b;
}

void compare_with_reference(RnnMode m, int64_t P, const Tensor& lengths, bool reverse) {
  SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(m) << " proj " << P << " reverse "
                                    << reverse << " lengths " << lengths.defined());
  const Operands o = make_operands(m, 5, 3, 4, 3, P, 7);
  const ops::RnnLayerOutput a = fused(m, o, lengths, reverse), b = reference(m, o, lengths, reverse);
  expect_same(a.output, b.output, 1e-12, "output");
  expect_same(a.h_n, b.h_n, 1e-12, "h_n");
  expect_same(a.c_n, b.c_n, 1e-12, "c_n");
  const auto ga = grads_of([&] { return fused(m, o, lengths, reverse); }, o);
  const auto gb = grads_of([&] { return reference(m, o, lengths, reverse); }, o);
  for (size_t i = 0; i < ga.size(); ++i) expect_same(ga[i], gb[i], 1e-10, "gradient");
}

TEST(Rnn, FusedMatchesStepByStepReference) {
  const Tensor lengths = from_vector<int64_t>({3, 5, 1});
  for (RnnMode m : {RnnMode::Tanh, RnnMode::Relu, RnnMode::Lstm, RnnMode::Gru}) {
    for (bool reverse : {false, true}) {
      compare_with_reference(m, 3, {}, reverse);
      compare_with_reference(m, 3, lengths, reverse);
    }
  }
  for (bool reverse : {false, true}) compare_with_reference(RnnMode::Lstm, 2, lengths, reverse);
}

TEST(Rnn, OutputsPastLengthAreZeroAndStateIsLastRealStep) {
  const Operands o = make_operands(RnnMode::Gru, 4, 2, 3, 2, 2, 3);
  const Tensor lengths = from_vector<int64_t>({2, 4});
  const ops::RnnLayerOutput r = fused(RnnMode::Gru, o, lengths, false);
  EXPECT_TRUE(equal(r.output.slice(0, 2, 4).select(1, 0), zeros({2, 2}, {.dtype = kFloat64})));
  EXPECT_TRUE(equal(r.h_n.select(0, 0), r.output.select(0, 1).select(0, 0)));
  EXPECT_TRUE(equal(r.h_n.select(0, 1), r.output.select(0, 3).select(0, 1)));
  // Reverse: the first sequence starts at its own last step (1), so its final state is the output at 0.
  const ops::RnnLayerOutput rev = fused(RnnMode::Gru, o, lengths, true);
  EXPECT_TRUE(equal(rev.h_n, rev.output.select(0, 0)));
  EXPECT_TRUE(equal(rev.output.slice(0, 2, 4).select(1, 0), zeros({2, 2}, {.dtype = kFloat64})));
}

// Walks the graph below t and counts its nodes.
size_t count_nodes(const Tensor& t) {
  std::set<autograd::Node*> seen;
  std::vector<autograd::Node*> stack{t.grad_fn().get()};
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    if (!n || !seen.insert(n).second) continue;
    for (const autograd::Edge& e : n->edges()) stack.push_back(e.node.get());
  }
  return seen.size();
}

TEST(Rnn, RecordsOneNodePerLayerNotPerStep) {
  const Operands short_seq = make_operands(RnnMode::Lstm, 2, 2, 3, 4, 4, 1, kFloat32);
  const Operands long_seq = make_operands(RnnMode::Lstm, 50, 2, 3, 4, 4, 1, kFloat32);
  const Tensor a = fused(RnnMode::Lstm, short_seq, {}, false).output;
  const Tensor b = fused(RnnMode::Lstm, long_seq, {}, false).output;
  EXPECT_EQ(count_nodes(a), count_nodes(b));
  EXPECT_LE(count_nodes(b), 4u);  // view <- narrow <- lstm <- linear
  // The recurrence node itself is named after the op.
  std::set<std::string> names;
  std::vector<autograd::Node*> stack{b.grad_fn().get()};
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    if (!n) continue;
    names.insert(n->name());
    for (const autograd::Edge& e : n->edges()) stack.push_back(e.node.get());
  }
  EXPECT_TRUE(names.count("lstm"));
  EXPECT_TRUE(names.count("linear"));
}

TEST(Rnn, ThreadedGatePassMatchesSingleThread) {
  // Batch * hidden large enough for the parallel path.
  for (RnnMode m : {RnnMode::Lstm, RnnMode::Gru, RnnMode::Tanh}) {
    const Operands o = make_operands(m, 3, 16, 8, 256, 256, 5, kFloat32);
    const Tensor lengths = from_vector<int64_t>({3, 1, 2, 3, 3, 2, 1, 1, 3, 3, 2, 2, 1, 3, 2, 3});
    const int before = get_num_threads();
    set_num_threads(1);
    const ops::RnnLayerOutput a = fused(m, o, lengths, false);
    const auto ga = grads_of([&] { return fused(m, o, lengths, false); }, o);
    set_num_threads(2);
    const ops::RnnLayerOutput b = fused(m, o, lengths, false);
    const auto gb = grads_of([&] { return fused(m, o, lengths, false); }, o);
    set_num_threads(before);
    expect_same(a.output, b.output, 1e-5, "output");
    for (size_t i = 0; i < ga.size(); ++i) expect_same(ga[i], gb[i], 1e-3, "gradient");
  }
}

TEST(Rnn, NoGradForwardMatchesAndRecordsNothing) {
  const Operands o = make_operands(RnnMode::Lstm, 4, 2, 3, 4, 4, 9);
  const ops::RnnLayerOutput a = fused(RnnMode::Lstm, o, {}, true);
  NoGradGuard no_grad;
  const ops::RnnLayerOutput b = fused(RnnMode::Lstm, o, {}, true);
  EXPECT_FALSE(b.output.requires_grad());
  EXPECT_TRUE(equal(a.output.detach(), b.output));
  EXPECT_TRUE(equal(a.c_n.detach(), b.c_n));
}

TEST(Rnn, CellsMatchOneStepLayers) {
  const Operands o = make_operands(RnnMode::Lstm, 1, 2, 3, 4, 4, 2);
  const ops::LstmState s = ops::lstm_cell(o.x.select(0, 0), {o.h0, o.c0}, o.w_ih, o.w_hh, o.b_ih, o.b_hh);
  const ops::RnnLayerOutput r = fused(RnnMode::Lstm, o, {}, false);
  EXPECT_TRUE(equal(s.h, r.h_n));
  EXPECT_TRUE(equal(s.c, r.c_n));
  // Unbatched: [I] and [H] in, [H] out.
  const Tensor h = ops::gru_cell(randn({3}, {.dtype = kFloat64}), {}, randn({12, 3}, {.dtype = kFloat64}),
                                 randn({12, 4}, {.dtype = kFloat64}));
  EXPECT_EQ(h.shape(), (Shape{4}));
}

TEST(Rnn, DoubleBackwardIsRefusedClearly) {
  const Operands o = make_operands(RnnMode::Gru, 2, 1, 2, 2, 2, 4);
  const Tensor out = fused(RnnMode::Gru, o, {}, false).output.sum();
  try {
    autograd::grad(out, {o.w_hh}, {}, false, /*create_graph=*/true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("gru: double backward"));
  }
}

// Runs fn and expects an Error whose message contains every fragment.
void expect_error(const std::function<void()>& fn, std::initializer_list<const char*> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing " << *fragments.begin();
  } catch (const Error& e) {
    for (const char* f : fragments) EXPECT_THAT(e.what(), ::testing::HasSubstr(f));
  }
}

TEST(Rnn, BadInputGivesClearErrors) {
  const Operands o = make_operands(RnnMode::Lstm, 5, 3, 4, 3, 3, 1, kFloat32);
  const Tensor w_ih = o.w_ih, w_hh = o.w_hh;
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, randn({5, 3, 7}), w_ih, w_hh, {}, {});
      },
      {"lstm: input of shape [5, 3, 7] does not match w_ih of shape [12, 4]"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, randn({5, 4}), w_ih, w_hh, {}, {});
      },
      {"lstm: input must be [steps, batch, input_size]", "[5, 4]"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, randn({0, 3, 4}), w_ih, w_hh, {}, {});
      },
      {"lstm:", "empty"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, o.x, w_ih, w_hh, {}, {}, randn({3, 2}));
      },
      {"lstm: h0 has shape [3, 2], expected [3, 3]"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, o.x, w_ih, w_hh, {}, {}, {}, randn({2, 3}));
      },
      {"lstm: c0 has shape [2, 3], expected [3, 3]"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Gru, o.x, randn({9, 4}), randn({9, 3}), {}, {}, {}, randn({3, 3}));
      },
      {"gru: only LSTM takes an initial cell state c0"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Lstm, o.x, w_ih, randn({12, 4}), {}, {});
      },
      {"lstm: w_hh has shape [12, 4], expected [12, 3]"});
  expect_error([&] { ops::rnn_layer(RnnMode::Lstm, o.x, w_ih, w_hh, randn({11}), {}); },
               {"lstm: b_ih has shape [11], expected [12]"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Gru, o.x, randn({10, 4}), w_hh, {}, {});
      },
      {"gru: w_ih must be [3 * hidden_size, input_size]", "[10, 4]"});
  expect_error([&] { ops::rnn_layer(RnnMode::Lstm, o.x.to(kFloat64), w_ih, w_hh, {}, {}); },
               {"lstm: w_ih is f32 on cpu, but the input is f64 on cpu"});
  expect_error(
      [&] {
        ops::rnn_layer(RnnMode::Tanh, o.x, randn({3, 4}), randn({3, 3}), {}, {}, {}, {}, randn({2, 3}));
      },
      {"rnn_tanh: only LSTM takes a projection weight w_hr"});
  // Lengths: too long, zero, wrong count, wrong dtype.
  expect_error(
      [&] {
        fused(RnnMode::Lstm, o, from_vector<int64_t>({5, 6, 1}), false);
      },
      {"lstm: lengths[1] is 6, longer than the input's 5 steps"});
  expect_error(
      [&] {
        fused(RnnMode::Lstm, o, from_vector<int64_t>({5, 0, 1}), false);
      },
      {"lstm: lengths[1] is 0; every sequence needs at least one step"});
  expect_error(
      [&] {
        fused(RnnMode::Lstm, o, from_vector<int64_t>({5, 1}), false);
      },
      {"lstm: lengths has shape [2], expected [3]"});
  expect_error(
      [&] {
        fused(RnnMode::Lstm, o, from_vector<float>({5, 1, 2}), false);
      },
      {"lstm: lengths must be an i64 CPU tensor, got f32"});
  // Cells name themselves.
  expect_error(
      [&] {
        ops::gru_cell(randn({2, 5}), {}, randn({9, 4}), randn({9, 3}));
      },
      {"gru_cell: input of shape [1, 2, 5] does not match w_ih of shape [9, 4]"});
  expect_error(
      [&] {
        ops::lstm_cell(randn({2, 4}), {randn({2, 3}), {}}, w_ih, w_hh);
      },
      {"lstm_cell: the state needs both h and c"});
  expect_error(
      [&] {
        ops::rnn_tanh_cell(randn({2, 4}), randn({3}), randn({3, 4}), randn({3, 3}));
      },
      {"rnn_tanh_cell: state of shape [3] does not match a batched input of shape [2, 4]"});
}

}  // namespace
}  // namespace strata
