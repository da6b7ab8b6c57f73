// Gradient checks for the fused recurrent op (every mode, both directions, lengths, projection, initial
// states, non-contiguous operands) and the single-step cells.
#include "strata/ops/rnn.h"
#include "test_util.h"

namespace strata {
namespace {

using ops::RnnMode;
using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

Tensor flat_cat(const ops::RnnLayerOutput& r) {
  std::vector<Tensor> parts{ops::flatten(r.output), ops::flatten(r.h_n)};
  if (r.c_n.defined()) parts.push_back(ops::flatten(r.c_n));
  return ops::cat(parts, 0);
}

int64_t gates(RnnMode m) { return m == RnnMode::Lstm ? 4 : m == RnnMode::Gru ? 3 : 1; }

// x [T, B, I], w_ih, w_hh, b_ih, b_hh, h0 (and c0 for LSTM) for hidden size H.
Inputs layer_inputs(RnnMode m, int64_t T, int64_t B, int64_t I, int64_t H, uint64_t seed) {
  const int64_t G = gates(m);
  Inputs in{input({T, B, I}, seed),   input({G * H, I}, seed + 1), input({G * H, H}, seed + 2),
            input({G * H}, seed + 3), input({G * H}, seed + 4),    input({B, H}, seed + 5)};
  if (m == RnnMode::Lstm) in.push_back(input({B, H}, seed + 6));
  return in;
}

void check_layer(RnnMode m, bool reverse, const Tensor& lengths) {
  SCOPED_TRACE(::testing::Message() << "mode " << static_cast<int>(m) << " reverse " << reverse << " lengths "
                                    << lengths.defined());
  auto f = [m, reverse, lengths](const Inputs& x) {
    return flat_cat(ops::rnn_layer(m, x[0], x[1], x[2], x[3], x[4], x[5], x.size() > 6 ? x[6] : Tensor(), {},
                                   lengths, reverse));
  };
  auto r = autograd::gradcheck(f, layer_inputs(m, 4, 3, 2, 3, 11));
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(RnnGradcheck, EveryModeBothDirections) {
  for (RnnMode m : {RnnMode::Tanh, RnnMode::Relu, RnnMode::Lstm, RnnMode::Gru}) {
    for (bool reverse : {false, true}) check_layer(m, reverse, {});
  }
}

TEST(RnnGradcheck, EveryModeWithUnsortedLengths) {
  const Tensor lengths = from_vector<int64_t>({2, 4, 1});
  for (RnnMode m : {RnnMode::Tanh, RnnMode::Relu, RnnMode::Lstm, RnnMode::Gru}) {
    for (bool reverse : {false, true}) check_layer(m, reverse, lengths);
  }
}

TEST(RnnGradcheck, LstmProjection) {
  const Tensor lengths = from_vector<int64_t>({3, 1});
  for (bool reverse : {false, true}) {
    auto f = [&](const Inputs& x) {
      return flat_cat(
          ops::rnn_layer(RnnMode::Lstm, x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], lengths, reverse));
    };
    // H = 3, proj 2: w_hh [12, 2], h0 [B, 2], c0 [B, 3], w_hr [2, 3].
    EXPECT_GRADCHECK(f, input({3, 2, 2}, 1), input({12, 2}, 2), input({12, 2}, 3), input({12}, 4),
                     input({12}, 5), input({2, 2}, 6), input({2, 3}, 7), input({2, 3}, 8));
  }
}

TEST(RnnGradcheck, NoBiasNoStateNonContiguous) {
  for (RnnMode m : {RnnMode::Lstm, RnnMode::Gru, RnnMode::Tanh}) {
    const int64_t G = gates(m);
    auto f = [m](const Inputs& x) { return flat_cat(ops::rnn_layer(m, x[0], x[1], x[2], {}, {})); };
    // x is a transposed view, w_ih a strided view, w_hh transposed.
    EXPECT_GRADCHECK(f, transposed_input({3, 2, 2}, 1), strided_input({G * 2, 2}, 2),
                     transposed_input({G * 2, 2}, 3));
  }
}

TEST(RnnGradcheck, Cells) {
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::rnn_tanh_cell(x[0], x[1], x[2], x[3], x[4], x[5]); },
                   input({2, 3}, 1), input({2, 4}, 2), input({4, 3}, 3), input({4, 4}, 4), input({4}, 5),
                   input({4}, 6));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::rnn_relu_cell(x[0], x[1], x[2], x[3], x[4], x[5]); },
                   input({2, 3}, 7), input({2, 4}, 8), input({4, 3}, 9), input({4, 4}, 10), input({4}, 11),
                   input({4}, 12));
  EXPECT_GRADCHECK(
      [](const Inputs& x) {
        const ops::LstmState s = ops::lstm_cell(x[0], {x[1], x[2]}, x[3], x[4], x[5], x[6]);
        return ops::cat({ops::flatten(s.h), ops::flatten(s.c)}, 0);
      },
      input({2, 3}, 1), input({2, 2}, 2), input({2, 2}, 3), input({8, 3}, 4), input({8, 2}, 5), input({8}, 6),
      input({8}, 7));
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::gru_cell(x[0], x[1], x[2], x[3], x[4], x[5]); },
                   input({2, 3}, 1), input({2, 2}, 2), input({6, 3}, 3), input({6, 2}, 4), input({6}, 5),
                   input({6}, 6));
  // Unbatched operands, no state.
  EXPECT_GRADCHECK([](const Inputs& x) { return ops::gru_cell(x[0], {}, x[1], x[2], x[3], x[4]); },
                   input({3}, 1), input({6, 3}, 3), input({6, 2}, 4), input({6}, 5), input({6}, 6));
}

}  // namespace
}  // namespace strata
