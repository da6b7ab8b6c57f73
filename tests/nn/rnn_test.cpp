// RNN / LSTM / GRU modules and cells: PyTorch parameter names and shapes, initialisation, output and state
// shapes in every layout, variable-length semantics in both directions, dropout between layers, use
// inside Sequential, and error messages that name the layer and the shapes.
#include "strata/nn/rnn.h"

#include <gmock/gmock.h>

#include <cmath>
#include <functional>

#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

using ::testing::HasSubstr;

std::vector<std::pair<std::string, Shape>> names_and_shapes(const nn::Module& m) {
  std::vector<std::pair<std::string, Shape>> v;
  for (const auto& [name, p] : m.named_parameters()) v.emplace_back(name, p.shape());
  return v;
}

TEST(RnnModules, LstmParameterNamesAndShapesMatchPyTorch) {
  nn::LSTM lstm(4, 3, {.num_layers = 2, .bidirectional = true, .proj_size = 2});
  const std::vector<std::pair<std::string, Shape>> want = {{"weight_ih_l0", {12, 4}},
                                                           {"weight_hh_l0", {12, 2}},
                                                           {"bias_ih_l0", {12}},
                                                           {"bias_hh_l0", {12}},
                                                           {"weight_hr_l0", {2, 3}},
                                                           {"weight_ih_l0_reverse", {12, 4}},
                                                           {"weight_hh_l0_reverse", {12, 2}},
                                                           {"bias_ih_l0_reverse", {12}},
                                                           {"bias_hh_l0_reverse", {12}},
                                                           {"weight_hr_l0_reverse", {2, 3}},
                                                           {"weight_ih_l1", {12, 4}},
                                                           {"weight_hh_l1", {12, 2}},
                                                           {"bias_ih_l1", {12}},
                                                           {"bias_hh_l1", {12}},
                                                           {"weight_hr_l1", {2, 3}},
                                                           {"weight_ih_l1_reverse", {12, 4}},
                                                           {"weight_hh_l1_reverse", {12, 2}},
                                                           {"bias_ih_l1_reverse", {12}},
                                                           {"bias_hh_l1_reverse", {12}},
                                                           {"weight_hr_l1_reverse", {2, 3}}};
  EXPECT_EQ(names_and_shapes(*lstm), want);
}

TEST(RnnModules, GruAndRnnParameterShapes) {
  nn::GRU gru(5, 6, {.num_layers = 2});
  EXPECT_EQ(names_and_shapes(*gru), (std::vector<std::pair<std::string, Shape>>{{"weight_ih_l0", {18, 5}},
                                                                                {"weight_hh_l0", {18, 6}},
                                                                                {"bias_ih_l0", {18}},
                                                                                {"bias_hh_l0", {18}},
                                                                                {"weight_ih_l1", {18, 6}},
                                                                                {"weight_hh_l1", {18, 6}},
                                                                                {"bias_ih_l1", {18}},
                                                                                {"bias_hh_l1", {18}}}));
  nn::RNN rnn(3, 4, {.bias = false, .bidirectional = true});
  EXPECT_EQ(names_and_shapes(*rnn),
            (std::vector<std::pair<std::string, Shape>>{{"weight_ih_l0", {4, 3}},
                                                        {"weight_hh_l0", {4, 4}},
                                                        {"weight_ih_l0_reverse", {4, 3}},
                                                        {"weight_hh_l0_reverse", {4, 4}}}));
  nn::LSTMCell cell(3, 5);
  EXPECT_EQ(names_and_shapes(*cell),
            (std::vector<std::pair<std::string, Shape>>{
                {"weight_ih", {20, 3}}, {"weight_hh", {20, 5}}, {"bias_ih", {20}}, {"bias_hh", {20}}}));
  EXPECT_EQ(nn::GRUCell(3, 5)->weight_ih.shape(), (Shape{15, 3}));
  EXPECT_EQ(nn::RNNCell(3, 5, false)->num_parameters(), 15 + 25);
}

TEST(RnnModules, DefaultInitIsUniformOverOneOverSqrtHidden) {
  nn::LSTM lstm(8, 16, {.num_layers = 2});
  const double bound = 1.0 / std::sqrt(16.0);
  for (const auto& [name, p] : lstm->named_parameters()) {
    const auto v = p.to_vector<double>();
    double lo = 1, hi = -1;
    for (double x : v) lo = std::min(lo, x), hi = std::max(hi, x);
    EXPECT_GE(lo, -bound) << name;
    EXPECT_LE(hi, bound) << name;
    EXPECT_GT(hi - lo, bound) << name << " looks constant";
  }
}

TEST(RnnModules, OutputAndStateShapes) {
  nn::LSTM lstm(4, 6, {.num_layers = 3, .bidirectional = true, .proj_size = 5});
  const nn::LSTMOutput a = lstm->forward(randn({7, 2, 4}), {});
  EXPECT_EQ(a.output.shape(), (Shape{7, 2, 10}));
  EXPECT_EQ(a.state.h.shape(), (Shape{6, 2, 5}));
  EXPECT_EQ(a.state.c.shape(), (Shape{6, 2, 6}));
  nn::GRU gru(4, 6, {.num_layers = 2, .batch_first = true});
  const nn::RNNOutput b = gru->forward(randn({3, 7, 4}), randn({2, 3, 6}));
  EXPECT_EQ(b.output.shape(), (Shape{3, 7, 6}));
  EXPECT_EQ(b.h_n.shape(), (Shape{2, 3, 6}));
  // Unbatched input: [steps, features], states without a batch dim.
  nn::RNN rnn(4, 6, {.bidirectional = true});
  const nn::RNNOutput c = rnn->forward(randn({7, 4}), randn({2, 6}));
  EXPECT_EQ(c.output.shape(), (Shape{7, 12}));
  EXPECT_EQ(c.h_n.shape(), (Shape{2, 6}));
  EXPECT_EQ(rnn(randn({7, 1, 4})).shape(), (Shape{7, 1, 12}));
  // Unbatched equals a batch of one.
  const Tensor x = randn({5, 4});
  EXPECT_TRUE(allclose(rnn(x), rnn(x.unsqueeze(1)).squeeze(1)));
}

TEST(RnnModules, BidirectionalOutputConcatenatesDirectionsAndStatesAreLayerThenDirection) {
  nn::GRU gru(3, 4, {.num_layers = 2, .bidirectional = true});
  const Tensor x = randn({5, 2, 3});
  const nn::RNNOutput r = gru->forward(x, {});
  // Last layer: forward's final state is the output's last step; reverse's is the output's first step.
  EXPECT_TRUE(allclose(r.h_n.select(0, 2), r.output.select(0, 4).slice(1, 0, 4)));
  EXPECT_TRUE(allclose(r.h_n.select(0, 3), r.output.select(0, 0).slice(1, 4, 8)));
}

// Runs one sequence of the batch alone, cut to its length.
nn::LSTMOutput run_alone(nn::LSTM& lstm, const Tensor& x, const Tensor& h0, const Tensor& c0, int64_t b,
                         int64_t len) {
  return lstm->forward(x.slice(0, 0, len).slice(1, b, b + 1), {h0.slice(1, b, b + 1), c0.slice(1, b, b + 1)});
}

TEST(RnnModules, LengthsGivePackedSequenceSemanticsInBothDirections) {
  nn::LSTM lstm(3, 4, {.num_layers = 2, .bidirectional = true});
  const Tensor x = randn({6, 3, 3}), h0 = randn({4, 3, 4}), c0 = randn({4, 3, 4});
  const std::vector<int64_t> lens = {4, 6, 1};  // unsorted
  const nn::LSTMOutput r = lstm->forward(x, {h0, c0}, from_vector<int64_t>(lens));
  for (int64_t b = 0; b < 3; ++b) {
    const nn::LSTMOutput alone = run_alone(lstm, x, h0, c0, b, lens[b]);
    EXPECT_TRUE(allclose(r.output.slice(0, 0, lens[b]).slice(1, b, b + 1), alone.output, 1e-5, 1e-6)) << b;
    EXPECT_TRUE(allclose(r.state.h.slice(1, b, b + 1), alone.state.h, 1e-5, 1e-6)) << b;
    EXPECT_TRUE(allclose(r.state.c.slice(1, b, b + 1), alone.state.c, 1e-5, 1e-6)) << b;
    if (lens[b] < 6) {
      EXPECT_TRUE(equal(r.output.slice(0, lens[b], 6).select(1, b), zeros({6 - lens[b], 8})));
    }
  }
}

TEST(RnnModules, UnsortedLengthsEqualTheSortedBatchPermuted) {
  nn::GRU gru(3, 4, {.batch_first = true, .bidirectional = true});
  const Tensor x = randn({3, 5, 3});
  const Tensor order = from_vector<int64_t>({1, 2, 0});
  const nn::RNNOutput a = gru->forward(x, {}, from_vector<int64_t>({2, 5, 3}));
  const nn::RNNOutput b = gru->forward(ops::index_select(x, 0, order), {}, from_vector<int64_t>({5, 3, 2}));
  EXPECT_TRUE(allclose(ops::index_select(a.output, 0, order), b.output));
  EXPECT_TRUE(allclose(ops::index_select(a.h_n, 1, order), b.h_n));
}

TEST(RnnModules, DropoutOnlyBetweenLayersAndOnlyInTraining) {
  nn::LSTM with(4, 8, {.num_layers = 2, .dropout = 0.5});
  nn::LSTM without(4, 8, {.num_layers = 2});
  without->load_state_dict(with->state_dict());
  const Tensor x = randn({5, 3, 4});
  EXPECT_FALSE(allclose(with(x), without(x)));  // training: the first layer's output is dropped
  with->eval();
  EXPECT_TRUE(equal(with(x), without(x)));
  // One layer: nothing follows it, so dropout never applies.
  nn::GRU single(4, 8, {.dropout = 0.5});
  const Tensor y = single(x);
  single->eval();
  EXPECT_TRUE(equal(y, single(x)));
}

TEST(RnnModules, WorksInSequentialAndInF64AndTrains) {
  nn::Sequential net(nn::Embedding(10, 4), nn::GRU(4, 8, {.batch_first = true}), nn::Linear(8, 10));
  const Tensor tokens = randint(0, 10, {2, 5});
  EXPECT_EQ(net(tokens).shape(), (Shape{2, 5, 10}));
  // f64 after to(): gradients flow into every parameter.
  nn::LSTM lstm(3, 4, {.num_layers = 2, .bidirectional = true});
  lstm->to(kFloat64);
  lstm(randn({4, 2, 3}, {.dtype = kFloat64})).sum().backward();
  for (const auto& [name, p] : lstm->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_EQ(p.grad().dtype(), kFloat64) << name;
  }
  // A few SGD steps on a fixed batch lower the loss (the recurrence learns through time).
  nn::RNN rnn(2, 6, {.num_layers = 2});
  nn::Linear head(6, 1);
  const Tensor x = randn({6, 8, 2}), target = x.sum({0, 2}).reshape({8, 1});
  auto loss_fn = [&] {
    const Tensor out = rnn(x).select(0, 5);
    return (head(out) - target).pow(2.0).mean();
  };
  const double before = loss_fn().item();
  for (int i = 0; i < 60; ++i) {
    rnn->zero_grad();
    head->zero_grad();
    loss_fn().backward();
    NoGradGuard no_grad;
    for (Tensor p : rnn->parameters()) p.sub_(p.grad(), 0.05);
    for (Tensor p : head->parameters()) p.sub_(p.grad(), 0.05);
  }
  EXPECT_LT(loss_fn().item(), 0.5 * before);
}

TEST(RnnModules, Cells) {
  nn::LSTMCell lstm(3, 4);
  const nn::LSTMState s = lstm->forward(randn({2, 3}), {randn({2, 4}), randn({2, 4})});
  EXPECT_EQ(s.h.shape(), (Shape{2, 4}));
  EXPECT_EQ(s.c.shape(), (Shape{2, 4}));
  EXPECT_EQ(lstm(randn({3})).shape(), (Shape{4}));
  nn::GRUCell gru(3, 4);
  const Tensor x = randn({2, 3});
  EXPECT_TRUE(equal(gru(x), gru->forward(x, zeros({2, 4}))));
  nn::RNNCell relu(3, 4, true, nn::RNNNonlinearity::Relu);
  EXPECT_GE(relu(randn({5, 3})).min().item(), 0.0);
  // A hand-written loop over a cell equals the layer with the same weights.
  nn::GRU layer(3, 4);
  {
    NoGradGuard no_grad;
    gru->weight_ih.copy_(layer->named_parameters()[0].second);
    gru->weight_hh.copy_(layer->named_parameters()[1].second);
    gru->bias_ih.copy_(layer->named_parameters()[2].second);
    gru->bias_hh.copy_(layer->named_parameters()[3].second);
  }
  const Tensor seq = randn({4, 2, 3});
  Tensor h = zeros({2, 4});
  for (int64_t t = 0; t < 4; ++t) h = gru->forward(seq.select(0, t), h);
  EXPECT_TRUE(allclose(h, layer->forward(seq, {}).h_n.select(0, 0), 1e-5, 1e-6));
}

TEST(RnnModules, Repr) {
  std::ostringstream os;
  os << *nn::LSTM(4, 3, {.num_layers = 2, .bidirectional = true}).ptr();
  EXPECT_EQ(os.str(), "LSTM(4, 3, num_layers=2, bidirectional=true)");
  os.str("");
  os << *nn::RNNCell(2, 5, false, nn::RNNNonlinearity::Relu).ptr();
  EXPECT_EQ(os.str(), "RNNCell(2, 5, bias=false, nonlinearity=relu)");
}

void expect_error(const std::function<void()>& fn, std::initializer_list<const char*> fragments) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing " << *fragments.begin();
  } catch (const Error& e) {
    for (const char* f : fragments) EXPECT_THAT(e.what(), HasSubstr(f));
  }
}

TEST(RnnModules, BadInputNamesTheLayerAndShapes) {
  nn::LSTM lstm(4, 3, {.num_layers = 2, .bidirectional = true});
  const Tensor x = randn({5, 2, 4});
  expect_error(
      [&] {
        lstm(randn({5, 2, 7}));
      },
      {"LSTM: input of shape [5, 2, 7] has 7 features, expected input_size 4"});
  expect_error(
      [&] {
        lstm(randn({5, 2, 3, 4}));
      },
      {"LSTM: expected input of shape [steps, batch, 4]", "[5, 2, 3, 4]"});
  expect_error(
      [&] {
        lstm->forward(x, {randn({4, 2, 2}), randn({4, 2, 3})});
      },
      {"LSTM: h0 has shape [4, 2, 2], expected [4, 2, 3] for input of shape [5, 2, 4]"});
  expect_error(
      [&] {
        lstm->forward(x, {randn({4, 2, 3}), randn({2, 2, 3})});
      },
      {"LSTM: c0 has shape [2, 2, 3], expected [4, 2, 3]"});
  expect_error(
      [&] {
        lstm->forward(x, {randn({4, 2, 3}), {}});
      },
      {"LSTM: the initial state needs both h0 and c0"});
  expect_error(
      [&] {
        lstm->forward(x, {}, from_vector<int64_t>({5, 6}));
      },
      {"LSTM: lengths[1] is 6, longer than the 5 steps of input of shape [5, 2, 4]"});
  expect_error(
      [&] {
        lstm->forward(x, {}, from_vector<int64_t>({0, 5}));
      },
      {"LSTM: lengths[0] is 0; every sequence needs at least one step"});
  expect_error(
      [&] {
        lstm->forward(x, {}, from_vector<int64_t>({5, 4, 3}));
      },
      {"LSTM: lengths must be an i64 tensor of shape [2]", "got i64 of shape [3]"});
  expect_error(
      [&] {
        lstm->forward(randn({5, 4}), {}, from_vector<int64_t>({5}));
      },
      {"LSTM: lengths need a batched input, got unbatched shape [5, 4]"});
  expect_error(
      [&] {
        lstm(randn({5, 2, 4}, {.dtype = kFloat64}));
      },
      {"LSTM: input is f64, but the parameters are f32"});
  expect_error([&] { lstm(randn({0, 2, 4})); }, {"LSTM: input of shape [0, 2, 4] has no steps"});
  nn::GRU gru(4, 3, {.batch_first = true});
  expect_error(
      [&] {
        gru->forward(randn({2, 5, 4}), randn({1, 5, 3}));
      },
      {"GRU: h0 has shape [1, 5, 3], expected [1, 2, 3] for input of shape [2, 5, 4]"});
  expect_error([] { nn::LSTM(4, 3, {.proj_size = 3}); }, {"LSTM: proj_size must be in [0, hidden_size)"});
  expect_error([] { nn::GRU(4, 3, {.dropout = 1.5}); }, {"GRU: dropout must be in [0, 1], got 1.5"});
  expect_error([] { nn::RNN(4, 3, {.num_layers = 0}); }, {"RNN: num_layers must be at least 1"});
  expect_error([] { nn::RNN(0, 3); }, {"RNN: input_size and hidden_size must be positive"});
  // Cells.
  nn::LSTMCell cell(4, 3);
  expect_error(
      [&] {
        cell(randn({2, 5}));
      },
      {"LSTMCell: expected input of shape [batch, 4] or [4]", "[2, 5]"});
  expect_error(
      [&] {
        cell->forward(randn({2, 4}), {randn({3, 3}), randn({2, 3})});
      },
      {"LSTMCell: h has shape [3, 3], expected [2, 3] for input of shape [2, 4]"});
  expect_error(
      [&] {
        cell->forward(randn({2, 4}), {{}, randn({2, 3})});
      },
      {"LSTMCell: the state needs both h and c"});
  expect_error(
      [&] {
        nn::GRUCell(4, 3)->forward(randn({4}), randn({2, 3}));
      },
      {"GRUCell: hx has shape [2, 3], expected [3] for input of shape [4]"});
}

}  // namespace
}  // namespace strata
