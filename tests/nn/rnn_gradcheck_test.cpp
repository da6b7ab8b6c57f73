// Gradient checks through the RNN / LSTM / GRU modules and cells (f64, small sizes): every parameter, the
// input and the initial states, with multiple layers, both directions, variable lengths and batch_first.
#include "strata/nn/rnn.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using Inputs = std::vector<Tensor>;

Tensor flat(std::initializer_list<Tensor> parts) {
  std::vector<Tensor> v;
  for (const Tensor& t : parts)
    if (t.defined()) v.push_back(t.flatten());
  return ops::cat(v, 0);
}

// The module's parameters (f64 leaves the module itself holds) after the given inputs.
Inputs with_params(nn::Module& m, Inputs in) {
  m.to(kFloat64);
  for (const Tensor& p : m.parameters()) in.push_back(p);
  return in;
}

TEST(RnnModulesGradcheck, LstmTwoLayersBidirectionalWithLengthsAndStates) {
  nn::LSTM lstm(2, 2, {.num_layers = 2, .bidirectional = true});
  const Tensor lengths = from_vector<int64_t>({2, 3});
  auto f = [&](const Inputs& x) {
    const nn::LSTMOutput r = lstm->forward(x[0], {x[1], x[2]}, lengths);
    return flat({r.output, r.state.h, r.state.c});
  };
  EXPECT_GRADCHECK(f, with_params(*lstm, {input({3, 2, 2}, 1), input({4, 2, 2}, 2), input({4, 2, 2}, 3)}));
}

TEST(RnnModulesGradcheck, LstmProjectionBatchFirst) {
  nn::LSTM lstm(2, 3, {.batch_first = true, .bidirectional = true, .proj_size = 2});
  const Tensor lengths = from_vector<int64_t>({1, 3});
  auto f = [&](const Inputs& x) {
    const nn::LSTMOutput r = lstm->forward(x[0], {}, lengths);
    return flat({r.output, r.state.h, r.state.c});
  };
  EXPECT_GRADCHECK(f, with_params(*lstm, {input({2, 3, 2}, 4)}));
}

TEST(RnnModulesGradcheck, GruTwoLayersBidirectionalWithLengthsBatchFirst) {
  nn::GRU gru(2, 2, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  const Tensor lengths = from_vector<int64_t>({3, 1});
  auto f = [&](const Inputs& x) {
    const nn::RNNOutput r = gru->forward(x[0], x[1], lengths);
    return flat({r.output, r.h_n});
  };
  EXPECT_GRADCHECK(f, with_params(*gru, {input({2, 3, 2}, 5), input({4, 2, 2}, 6)}));
}

TEST(RnnModulesGradcheck, RnnTanhAndReluMultiLayer) {
  for (nn::RNNNonlinearity n : {nn::RNNNonlinearity::Tanh, nn::RNNNonlinearity::Relu}) {
    nn::RNN rnn(2, 3, {.num_layers = 2, .nonlinearity = n, .bidirectional = true});
    const Tensor lengths = from_vector<int64_t>({3, 2});
    auto f = [&](const Inputs& x) {
      const nn::RNNOutput r = rnn->forward(x[0], x[1], lengths);
      return flat({r.output, r.h_n});
    };
    EXPECT_GRADCHECK(f, with_params(*rnn, {input({3, 2, 2}, 7), input({4, 2, 3}, 8)}));
  }
}

TEST(RnnModulesGradcheck, UnbatchedNoBias) {
  nn::GRU gru(2, 3, {.bias = false});
  auto f = [&](const Inputs& x) {
    const nn::RNNOutput r = gru->forward(x[0], x[1]);
    return flat({r.output, r.h_n});
  };
  EXPECT_GRADCHECK(f, with_params(*gru, {input({3, 2}, 9), input({1, 3}, 10)}));
}

TEST(RnnModulesGradcheck, Cells) {
  nn::RNNCell rnn(3, 2);
  EXPECT_GRADCHECK([&](const Inputs& x) { return rnn->forward(x[0], x[1]); },
                   with_params(*rnn, {input({2, 3}, 1), input({2, 2}, 2)}));
  nn::LSTMCell lstm(3, 2);
  EXPECT_GRADCHECK(
      [&](const Inputs& x) {
        const nn::LSTMState s = lstm->forward(x[0], {x[1], x[2]});
        return flat({s.h, s.c});
      },
      with_params(*lstm, {input({2, 3}, 3), input({2, 2}, 4), input({2, 2}, 5)}));
  nn::GRUCell gru(3, 2);
  EXPECT_GRADCHECK([&](const Inputs& x) { return gru->forward(x[0], x[1]); },
                   with_params(*gru, {input({3}, 6), input({2}, 7)}));
}

}  // namespace
}  // namespace strata
