// Gradient checks of MultiheadAttention (f64) with respect to its inputs and every parameter, through both
// paths (the SDPA op without weights, explicit scores with weights) and with masks.
#include "strata/nn/attention.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

MultiheadAttention f64_attention(int64_t embed_dim, int64_t heads, MultiheadAttentionOptions options = {}) {
  manual_seed(5);
  MultiheadAttention m(embed_dim, heads, options);
  m->to(kFloat64);
  for (auto& p : m->parameters()) {  // non-zero biases
    NoGradGuard no_grad;
    p.copy_(randn(p.shape(), {.dtype = kFloat64}) * 0.5);
  }
  return m;
}

TEST(MultiheadAttentionGradcheck, SelfAttentionWithWeights) {
  MultiheadAttention m = f64_attention(4, 2);
  const Tensor kpm = from_vector<uint8_t>({0, 0, 1, 0, 0, 0}, {2, 3});
  EXPECT_GRADCHECK(
      [&](const Inputs& v) {
        const auto r = m->forward(v[0], v[0], v[0], {.key_padding_mask = kpm});
        return r.output + r.weights.sum();
      },
      input({3, 2, 4}), m->in_proj_weight, m->in_proj_bias, m->out_proj->weight, m->out_proj->bias);
}

TEST(MultiheadAttentionGradcheck, CrossAttentionThroughTheOp) {
  MultiheadAttention m = f64_attention(4, 2, {.kdim = 3, .vdim = 5, .batch_first = true});
  const Tensor mask = from_vector<uint8_t>({0, 1, 0, 0, 0, 1}, {2, 3});
  EXPECT_GRADCHECK(
      [&](const Inputs& v) {
        return m->forward(v[0], v[1], v[2], {.need_weights = false, .attn_mask = mask}).output;
      },
      input({2, 2, 4}, 1), transposed_input({2, 3, 3}, 2), input({2, 3, 5}, 3), m->q_proj_weight,
      m->k_proj_weight, m->v_proj_weight, m->in_proj_bias);
}

TEST(MultiheadAttentionGradcheck, CausalFloatMask) {
  MultiheadAttention m = f64_attention(4, 1);
  const Tensor mask = randn({3, 3}, {.dtype = kFloat64});
  EXPECT_GRADCHECK(
      [&](const Inputs& v) {
        return m->forward(v[0], v[0], v[0], {.need_weights = false, .attn_mask = mask, .is_causal = true})
            .output;
      },
      input({3, 2, 4}), m->in_proj_weight);
}

}  // namespace
}  // namespace strata::nn
