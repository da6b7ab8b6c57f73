// scaled_dot_product_attention: the fused kernel against the unfused reference on random shapes (f32 and
// f64, outputs and gradients of q, k, v and float masks), fully masked rows, decoding, strided inputs,
// the dropout path, and the errors for bad shapes, dtypes and masks.
#include <limits>

#include "strata/autograd/node.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::error_of;
using testing::input;
using testing::u8_mask;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Result {
  Tensor out;
  std::vector<Tensor> grads;  // of q, k, v (and a float mask that requires grad)
};

// Runs `sdpa` on fresh leaves copied from q, k, v (and the mask when it is a float leaf) and backpropagates
// a fixed upstream gradient.
template <typename F>
Result run(F sdpa, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal) {
  std::vector<Tensor> leaves{q.detach().clone().requires_grad_(), k.detach().clone().requires_grad_(),
                             v.detach().clone().requires_grad_()};
  Tensor m = mask;
  if (mask.defined() && mask.requires_grad()) {
    m = mask.detach().clone().requires_grad_();
    leaves.push_back(m);
  }
  Result r;
  r.out = sdpa(leaves[0], leaves[1], leaves[2], m, 0.0, causal, std::nullopt, nullptr);
  Generator g(7);
  r.out.backward(randn(r.out.shape(), {.dtype = r.out.dtype()}, &g));
  for (const Tensor& l : leaves) r.grads.push_back(l.grad());
  return r;
}

// The fused kernel in run()'s calling convention (it takes no dropout).
Tensor fused(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m, double, bool causal,
             std::optional<double> scale, Generator*) {
  return F::scaled_dot_product_attention_fused(q, k, v, m, causal, scale);
}

// The fused kernel matches the unfused reference on the same inputs: output and every gradient.
void expect_matches_unfused(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask = {},
                            bool causal = false) {
  const Result got = run(fused, q, k, v, mask, causal);
  const Result ref = run(F::scaled_dot_product_attention_unfused, q, k, v, mask, causal);
  const double tol = q.dtype() == kFloat32 ? 2e-5 : 1e-11;
  EXPECT_TRUE(allclose(got.out, ref.out, tol, tol)) << "output";
  ASSERT_EQ(got.grads.size(), ref.grads.size());
  for (size_t i = 0; i < ref.grads.size(); ++i) {
    ASSERT_TRUE(got.grads[i].defined()) << "gradient " << i;
    EXPECT_EQ(got.grads[i].shape(), ref.grads[i].shape()) << "gradient " << i;
    EXPECT_TRUE(allclose(got.grads[i], ref.grads[i], 10 * tol, 10 * tol)) << "gradient " << i;
  }
}

Tensor randn_t(const Shape& shape, uint64_t seed, Dtype dtype) {
  Generator g(seed);
  return randn(shape, {.dtype = dtype}, &g);
}

TEST(Attention, MatchesUnfusedOnRandomShapes) {
  struct Case {
    int64_t B, H, L, S, E, Ev;
  };
  // Single blocks, several blocks with ragged ends, decoding (L = 1 and few queries), odd head sizes.
  const Case cases[] = {{2, 3, 5, 7, 8, 8},       {1, 2, 64, 64, 32, 32}, {2, 2, 130, 77, 64, 48},
                        {1, 1, 200, 200, 17, 5},  {3, 2, 1, 150, 64, 64}, {2, 1, 7, 300, 24, 24},
                        {1, 2, 33, 129, 128, 128}};
  uint64_t seed = 1;
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (const Case& c : cases) {
      for (bool causal : {false, true}) {
        SCOPED_TRACE(::testing::Message() << dtype << " B" << c.B << " H" << c.H << " L" << c.L << " S" << c.S
                                          << " E" << c.E << " Ev" << c.Ev << (causal ? " causal" : ""));
        const Tensor q = randn_t({c.B, c.H, c.L, c.E}, seed++, dtype);
        const Tensor k = randn_t({c.B, c.H, c.S, c.E}, seed++, dtype);
        const Tensor v = randn_t({c.B, c.H, c.S, c.Ev}, seed++, dtype);
        expect_matches_unfused(q, k, v, {}, causal);
        if (!causal) expect_matches_unfused(q, k, v, u8_mask({c.B, 1, 1, c.S}, seed++));
      }
    }
  }
}

TEST(Attention, MasksOfEveryKindMatchUnfused) {
  const Tensor q = randn_t({2, 3, 70, 16}, 1, kFloat32), k = randn_t({2, 3, 90, 16}, 2, kFloat32),
               v = randn_t({2, 3, 90, 8}, 3, kFloat32);
  for (const Shape& s :
       {Shape{70, 90}, Shape{2, 1, 1, 90}, Shape{2, 3, 70, 90}, Shape{1, 90}, Shape{70, 1}}) {
    SCOPED_TRACE(s.str());
    expect_matches_unfused(q, k, v, u8_mask(s, 4));
    Tensor additive = randn_t(s, 5, kFloat32).detach().requires_grad_();
    expect_matches_unfused(q, k, v, additive);
  }
  // Additive -inf entries, and a [L, S] float mask that needs no gradient.
  Tensor m = randn_t({70, 90}, 6, kFloat32);
  m.slice(1, 10, 20).fill_(-kInf);
  expect_matches_unfused(q, k, v, m);
}

TEST(Attention, FullyMaskedRowsGiveZerosAndNoNaN) {
  const Tensor q = input({2, 2, 80, 8}, 1), k = input({2, 2, 80, 8}, 2), v = input({2, 2, 80, 4}, 3);
  Tensor mask = u8_mask({2, 2, 80, 80}, 4);
  mask.slice(2, 3, 4).fill_(0.0);
  mask.slice(2, 70, 72).fill_(0.0);
  Tensor y = F::scaled_dot_product_attention_fused(q, k, v, mask);
  y.backward(ones_like(y));
  for (const Tensor& t : {y, q.grad(), k.grad(), v.grad()})
    EXPECT_FALSE(testing::has_nan(t)) << "NaN in a result or gradient";
  EXPECT_EQ(F::abs(y.slice(2, 3, 4)).max().item(), 0.0);
  EXPECT_EQ(F::abs(q.grad().slice(2, 70, 72)).max().item(), 0.0);
  // A float mask of -inf rows and causal attention with L > S (the first rows see no key) do the same.
  Tensor add = zeros({80, 80}, {.dtype = kFloat64});
  add.slice(0, 5, 6).fill_(-kInf);
  const Tensor y2 = F::scaled_dot_product_attention_fused(q, k, v, add);
  EXPECT_EQ(F::abs(y2.slice(2, 5, 6)).max().item(), 0.0);
  const Tensor y3 = F::scaled_dot_product_attention_fused(q, k.slice(2, 0, 50), v.slice(2, 0, 50), {}, true);
  EXPECT_EQ(F::abs(y3.slice(2, 0, 30)).max().item(), 0.0);
  EXPECT_FALSE(testing::has_nan(y3));
  expect_matches_unfused(q, k, v, mask);
  expect_matches_unfused(q, k.slice(2, 0, 50), v.slice(2, 0, 50), {}, true);
}

TEST(Attention, CausalDecodingSeesTheWholeCache) {
  // One query (or a few) at the end of a sequence: is_causal lets the last query see every cached key.
  const Tensor k = randn_t({2, 4, 100, 32}, 1, kFloat32), v = randn_t({2, 4, 100, 32}, 2, kFloat32);
  const Tensor q1 = randn_t({2, 4, 1, 32}, 3, kFloat32);
  EXPECT_TRUE(allclose(F::scaled_dot_product_attention(q1, k, v, {}, 0.0, true),
                       F::scaled_dot_product_attention(q1, k, v), 1e-6, 1e-6));
  const Tensor q3 = randn_t({2, 4, 3, 32}, 4, kFloat32);
  const Tensor full = F::scaled_dot_product_attention(q3, k, v, {}, 0.0, true);
  const Tensor last = F::scaled_dot_product_attention(q3.slice(2, 2, 3), k, v);
  EXPECT_TRUE(allclose(full.slice(2, 2, 3), last, 1e-6, 1e-6));
  expect_matches_unfused(q3, k, v, {}, true);
}

TEST(Attention, StridedAndBroadcastInputs) {
  // q = x.view(B, T, H, D).transpose(1, 2), as multi-head attention builds it; k, v shared by the heads.
  const Tensor x = randn_t({2, 70, 4, 16}, 1, kFloat32);
  const Tensor q = x.transpose(1, 2);
  const Tensor kv = randn_t({2, 1, 70, 32}, 2, kFloat32);
  const Tensor k = kv.slice(3, 0, 16), v = kv.slice(3, 16, 32);
  const Tensor y = F::scaled_dot_product_attention_fused(q, k, v, {}, true);
  const Tensor want = F::scaled_dot_product_attention(q.contiguous(), k.contiguous().expand({2, 4, 70, 16}),
                                                      v.contiguous().expand({2, 4, 70, 16}), {}, 0.0, true);
  EXPECT_TRUE(allclose(y, want, 1e-6, 1e-6));
  expect_matches_unfused(q, k, v, {}, true);
  expect_matches_unfused(q.transpose(-1, -2).contiguous().transpose(-1, -2), k, v);  // feature stride > 1
}

TEST(Attention, SameResultOnOneAndTwoThreads) {
  const int before = get_num_threads();
  const Tensor q = randn_t({4, 2, 100, 32}, 1, kFloat32), k = randn_t({4, 2, 100, 32}, 2, kFloat32),
               v = randn_t({4, 2, 100, 32}, 3, kFloat32);
  set_num_threads(1);
  const Result one = run(fused, q, k, v, {}, true);
  set_num_threads(2);
  const Result two = run(fused, q, k, v, {}, true);
  set_num_threads(before);
  EXPECT_TRUE(equal(one.out, two.out));
  for (size_t i = 0; i < one.grads.size(); ++i) EXPECT_TRUE(equal(one.grads[i], two.grads[i]));
}

TEST(Attention, DispatchFollowsTheShapeRule) {
  // Long causal sequences and long decoding caches take the fused kernel (one node); tiny sequences and
  // decoding against a short cache with a backward to run take the unfused composition.
  auto node = [](const Tensor& y) { return std::string(y.grad_fn()->name()); };
  const std::string fused = "scaled_dot_product_attention";
  const Tensor big = randn_t({1, 2, 256, 64}, 1, kFloat32).requires_grad_();
  EXPECT_EQ(node(F::scaled_dot_product_attention(big, big, big, {}, 0.0, true)), fused);
  const Tensor small = randn_t({1, 2, 16, 64}, 2, kFloat32).requires_grad_();
  EXPECT_NE(node(F::scaled_dot_product_attention(small, small, small)), fused);
  const Tensor q1 = randn_t({1, 2, 1, 64}, 3, kFloat32).requires_grad_();
  EXPECT_NE(node(F::scaled_dot_product_attention(q1, big, big, {}, 0.0, true)), fused);
  const Tensor cache = randn_t({1, 2, 600, 64}, 4, kFloat32).requires_grad_();
  EXPECT_EQ(node(F::scaled_dot_product_attention(q1, cache, cache, {}, 0.0, true)), fused);
  EXPECT_EQ(node(F::scaled_dot_product_attention_fused(q1, big, big, {}, true)), fused);
  EXPECT_NE(error_of([&] { F::scaled_dot_product_attention_fused(q1.to(kInt64), big, big); }).find("dtype"),
            std::string::npos);
}

TEST(Attention, NoGraphWithoutGrad) {
  const Tensor q = randn_t({2, 5, 8}, 1, kFloat32), k = randn_t({2, 6, 8}, 2, kFloat32);
  const Tensor y = F::scaled_dot_product_attention(q, k, k);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_contiguous());
  EXPECT_EQ(y.shape(), (Shape{2, 5, 8}));
  EXPECT_TRUE(allclose(F::scaled_dot_product_attention_fused(q, k, k, {}, false, 0.3),
                       F::scaled_dot_product_attention_unfused(q, k, k, {}, 0.0, false, 0.3), 1e-6, 1e-6));
}

TEST(Attention, DropoutGoesThroughTheUnfusedPath) {
  const Tensor q = randn_t({2, 6, 8}, 1, kFloat32), k = randn_t({2, 6, 8}, 2, kFloat32);
  Generator g1(3), g2(3);
  const Tensor a = F::scaled_dot_product_attention(q, k, k, {}, 0.5, false, std::nullopt, &g1);
  const Tensor b = F::scaled_dot_product_attention_unfused(q, k, k, {}, 0.5, false, std::nullopt, &g2);
  EXPECT_TRUE(equal(a, b));
}

TEST(Attention, BadInputsRaiseClearErrors) {
  const Tensor q = randn_t({2, 3, 5, 8}, 1, kFloat32), k = randn_t({2, 3, 6, 8}, 2, kFloat32),
               v = randn_t({2, 3, 6, 4}, 3, kFloat32);
  auto sdpa = [](const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& m = {}, double p = 0.0,
                 bool causal = false) { return F::scaled_dot_product_attention(a, b, c, m, p, causal); };
  EXPECT_NE(error_of([&] { sdpa(q, k.to(kFloat64), v); }).find("share one floating point dtype"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, randn_t({2, 3, 6, 7}, 4, kFloat32), v);
            }).find("same feature size"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, randn_t({2, 3, 5, 4}, 4, kFloat32));
            }).find("same sequence length"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sdpa(randn_t({8}, 4, kFloat32), k, v); }).find("at least 2 dims"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, randn_t({4, 6, 8}, 4, kFloat32), v);
            }).find("not broadcastable"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, u8_mask({5, 4}, 5));
            }).find("does not broadcast to [..., 5, 6]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, u8_mask({3, 6}, 5));
            }).find("attn_mask of shape [3, 6]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, u8_mask({4, 5, 6}, 5));
            }).find("not broadcastable"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, zeros({5, 6}, {.dtype = kFloat64}));
            }).find("attn_mask must be u8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, zeros({5, 6}, {.dtype = kInt64}));
            }).find("attn_mask must be u8"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, u8_mask({5, 6}, 5), 0.0, true);
            }).find("not both"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sdpa(q, k, v, {}, 1.0); }).find("dropout_p must be in [0, 1)"), std::string::npos);
  EXPECT_NE(error_of([&] { sdpa(q.to(kInt64), k.to(kInt64), v.to(kInt64)); }).find("floating point"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sdpa(q, k, v, Tensor(), 0.0);
              sdpa(Tensor(), k, v);
            }).find("undefined"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
