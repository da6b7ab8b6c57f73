// Gradient checks for the fused scaled_dot_product_attention kernel (its own backward node) in f64: q, k, v
// and float masks, under no mask, causal (L == S, L < S, L > S), u8 and additive masks of several broadcast
// shapes, fully masked rows, non-contiguous and broadcast inputs, odd head sizes and lengths that are not
// multiples of the kernel's block size; plus a second-order check (create_graph backward).
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::u8_mask;
using Inputs = std::vector<Tensor>;

constexpr double kInf = std::numeric_limits<double>::infinity();

auto sdpa(const Tensor& mask = {}, bool causal = false, std::optional<double> scale = std::nullopt) {
  return [mask, causal, scale](const Inputs& x) {
    return F::scaled_dot_product_attention_fused(x[0], x[1], x[2], mask, causal, scale);
  };
}

TEST(AttentionGradcheck, NoMask) {
  EXPECT_GRADCHECK(sdpa(), input({2, 3, 5, 4}, 1), input({2, 3, 6, 4}, 2), input({2, 3, 6, 5}, 3));
  EXPECT_GRADCHECK(sdpa({}, false, 0.7), input({4, 3}, 4), input({2, 3}, 5), input({2, 2}, 6));
}

TEST(AttentionGradcheck, Causal) {
  EXPECT_GRADCHECK(sdpa({}, true), input({2, 2, 7, 3}, 1), input({2, 2, 7, 3}, 2), input({2, 2, 7, 3}, 3));
  // L < S: the last L queries of the sequence; L > S: the first rows see no key at all.
  EXPECT_GRADCHECK(sdpa({}, true), input({2, 3, 3}, 4), input({2, 8, 3}, 5), input({2, 8, 2}, 6));
  EXPECT_GRADCHECK(sdpa({}, true), input({1, 6, 3}, 7), input({1, 4, 3}, 8), input({1, 4, 3}, 9));
}

TEST(AttentionGradcheck, BoolMasks) {
  // [L, S], [B, 1, 1, S] (padding) and [B, H, L, S], with fully masked rows among them.
  const Tensor ls = u8_mask({5, 6}, 11);
  const Tensor pad = u8_mask({2, 1, 1, 6}, 12);
  Tensor full = u8_mask({2, 2, 5, 6}, 13);
  full.slice(2, 1, 2).fill_(0.0);  // row 1 of every (b, h) sees nothing
  for (const Tensor& m : {ls, pad, full}) {
    SCOPED_TRACE(m.shape().str());
    EXPECT_GRADCHECK(sdpa(m), input({2, 2, 5, 3}, 1), input({2, 2, 6, 3}, 2), input({2, 2, 6, 4}, 3));
  }
}

TEST(AttentionGradcheck, FloatMasks) {
  // Additive masks with -inf entries (one row entirely -inf); the mask's own gradient is checked too,
  // broadcast over batch and heads.
  Tensor m = input({5, 6}, 21);
  m.detach().set_at({0, 1}, -kInf);
  m.detach().set_at({2, 0}, -kInf);
  m.detach().set_at({2, 5}, -kInf);
  EXPECT_GRADCHECK(
      [](const Inputs& x) { return F::scaled_dot_product_attention_fused(x[0], x[1], x[2], x[3]); },
      input({2, 2, 5, 3}, 1), input({2, 2, 6, 3}, 2), input({2, 2, 6, 4}, 3), m);
  Tensor rows = input({2, 1, 5, 1}, 22).detach();
  rows.slice(2, 3, 4).fill_(-kInf);  // row 3 fully masked
  EXPECT_GRADCHECK(sdpa(rows), input({2, 3, 5, 3}, 4), input({2, 3, 6, 3}, 5), input({2, 3, 6, 2}, 6));
}

TEST(AttentionGradcheck, NonContiguousAndBroadcast) {
  // q = x.view(B, T, H, D).transpose(1, 2), as multi-head attention makes it; k and v shared by heads.
  const Tensor q = input({2, 5, 3, 4}, 1).detach().transpose(1, 2).requires_grad_();
  const Tensor k = input({2, 6, 3, 4}, 2).detach().transpose(1, 2).requires_grad_();
  const Tensor v = input({2, 6, 6, 4}, 3).detach().slice(1, 0, 6, 2).requires_grad_();
  EXPECT_GRADCHECK(sdpa({}, true), q, k, v);
  EXPECT_GRADCHECK(sdpa(), input({2, 3, 5, 4}, 4), input({2, 1, 6, 4}, 5), input({1, 6, 4}, 6));
  EXPECT_GRADCHECK(sdpa(), input({5, 4}, 7), input({3, 6, 4}, 8), testing::transposed_input({3, 6, 2}, 9));
}

TEST(AttentionGradcheck, OddSizesAndSeveralBlocks) {
  // Head sizes not a multiple of the vector width, and L, S beyond one 64-row block and not multiples of it.
  EXPECT_GRADCHECK(sdpa(), input({1, 67, 3}, 1), input({1, 70, 3}, 2), input({1, 70, 5}, 3));
  EXPECT_GRADCHECK(sdpa({}, true), input({1, 70, 2}, 4), input({1, 70, 2}, 5), input({1, 70, 3}, 6));
  // Decode: one query against a KV cache of two blocks.
  EXPECT_GRADCHECK(sdpa({}, true), input({2, 1, 17}, 7), input({2, 70, 17}, 8), input({2, 70, 9}, 9));
}

// The gradient of sum(w * sdpa(q, k, v)) with a graph, so its own gradient can be checked.
Tensor grad_of_q(const Inputs& x, const Tensor& mask, bool causal) {
  Tensor y = F::scaled_dot_product_attention_fused(x[0], x[1], x[2], mask, causal);
  Tensor w = arange(static_cast<double>(y.numel()), {.dtype = kFloat64}).reshape(y.shape()) * 0.25 - 1.0;
  return autograd::grad(F::sum(y * w), {x[0]}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

TEST(AttentionGradcheck, SecondOrder) {
  EXPECT_GRADCHECK([](const Inputs& x) { return grad_of_q(x, {}, true); }, input({2, 4, 3}, 1),
                   input({2, 5, 3}, 2), input({2, 5, 2}, 3));
  const Tensor m = u8_mask({4, 5}, 4);
  EXPECT_GRADCHECK([&m](const Inputs& x) { return grad_of_q(x, m, false); }, input({4, 3}, 5),
                   input({5, 3}, 6), input({5, 2}, 7));
}

}  // namespace
}  // namespace strata
