// Mixed precision under strata::autocast(kBFloat16): matmul, bmm, linear and the convolutions compute on
// bf16-rounded inputs with f32 sums. On a CPU with native bf16 the results match an f64 computation on
// inputs rounded to bf16 (tightly) and f32 within bf16 tolerance (loosely); without it they equal f32
// exactly. Backward runs in the precision of the forward, whatever the autocast state at backward time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "kernels/bf16.h"
#include "strata/ops.h"
#include "strata/strata.h"

namespace strata {
namespace {

// f rounded to the nearest bf16 (ties to even), as an f32: an independent reference for the kernels'.
float bf16_round(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  std::memcpy(&f, &u, sizeof u);
  return f;
}

// x's values rounded to bf16, as a contiguous f64 tensor (the exact inputs a bf16 kernel sees).
Tensor rounded64(const Tensor& x) {
  std::vector<float> v = x.detach().contiguous().to_vector<float>();
  for (float& f : v) f = bf16_round(f);
  return from_vector(v, x.shape()).to(kFloat64);
}

// max |a - b| / max |b|.
double rel_err(const Tensor& a, const Tensor& b) {
  const Tensor a64 = a.detach().to(kFloat64);
  const Tensor b64 = b.detach().to(kFloat64);
  return (a64 - b64).abs().max().item() / b64.abs().max().item();
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<float>() == b.to_vector<float>();
}

bool native() { return kernels::bf16_supported(kCPU); }

Tensor random(const Shape& shape, uint64_t seed) {
  Generator g(seed);
  return randn(shape, {}, &g);
}

// Checks a result computed under autocast: against the f64 product of bf16-rounded inputs (`exact`) and
// f32 (`f32`) where bf16 is native, equal to f32 where it is not.
void expect_bf16(const Tensor& got, const Tensor& exact, const Tensor& f32, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.dtype(), kFloat32);
  ASSERT_EQ(got.shape(), f32.shape());
  if (!native()) {
    EXPECT_TRUE(same_values(got, f32));
    return;
  }
  EXPECT_LT(rel_err(got, exact), 2e-5);  // f32 sums of exactly rounded inputs
  EXPECT_LT(rel_err(got, f32), 2e-2);    // bf16 keeps 8 significant bits
  EXPECT_GT(rel_err(got, f32), 1e-5);    // and the rounding did happen
}

TEST(AutocastOps, MatmulInEveryLayoutComputesOnRoundedInputs) {
  struct Case {
    const char* name;
    Tensor a, b;
  };
  const Tensor base = random({40, 70}, 1);
  const std::vector<Case> cases = {
      {"plain", random({33, 70}, 2), random({70, 17}, 3)},
      {"transposed a", random({70, 33}, 4).transpose(0, 1), random({70, 17}, 5)},
      {"transposed b", random({33, 70}, 6), random({17, 70}, 7).transpose(0, 1)},
      {"strided a", base.slice(0, 0, 40, 2), random({70, 9}, 8)},
      {"batched, shared b", random({2, 3, 5, 70}, 9), random({70, 4}, 10)},
      {"batched, broadcast", random({2, 1, 5, 70}, 11), random({3, 70, 4}, 12)},
      {"expanded a", random({1, 5, 70}, 13).expand({3, 5, 70}), random({3, 70, 6}, 14)},
      {"vector", random({70}, 15), random({70, 8}, 16)},
  };
  for (const Case& c : cases) {
    const Tensor f32 = ops::matmul(c.a, c.b);
    const Tensor exact = ops::matmul(rounded64(c.a), rounded64(c.b));
    Tensor got;
    {
      auto guard = autocast(kBFloat16);
      got = ops::matmul(c.a, c.b);
    }
    expect_bf16(got, exact, f32, c.name);
  }
}

TEST(AutocastOps, MmAndBmm) {
  const Tensor a = random({4, 6, 50}, 20);
  const Tensor b = random({4, 50, 7}, 21);
  const Tensor a2 = random({6, 50}, 22);
  const Tensor b2 = random({50, 7}, 23);
  const auto guard = autocast();
  expect_bf16(
      ops::bmm(a, b), ops::bmm(rounded64(a), rounded64(b)),
      [&] {
        const AutocastGuard off(kBFloat16, false);
        return ops::bmm(a, b);
      }(),
      "bmm");
  expect_bf16(
      ops::mm(a2, b2), ops::mm(rounded64(a2), rounded64(b2)),
      [&] {
        const AutocastGuard off(kBFloat16, false);
        return ops::mm(a2, b2);
      }(),
      "mm");
}

// Gradients of sum(f(inputs) * r) for f32 leaves, run under `mode` (forward) then backward outside it.
struct Trial {
  Tensor out;
  std::vector<Tensor> grads;
};

Trial run(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
          const Tensor& r, bool autocast_forward, bool autocast_backward) {
  std::vector<Tensor> leaves;
  for (const Tensor& x : inputs) leaves.push_back(x.detach().requires_grad_());
  Tensor out;
  {
    const AutocastGuard guard(kBFloat16, autocast_forward);
    out = f(leaves);
  }
  {
    const AutocastGuard guard(kBFloat16, autocast_backward);
    (out * r).sum().backward();
  }
  Trial result{out.detach(), {}};
  for (const Tensor& l : leaves) result.grads.push_back(l.grad());
  return result;
}

// The same in f64 on bf16-rounded inputs and r: what a bf16 kernel with exact sums gives.
Trial exact_run(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                const Tensor& r) {
  std::vector<Tensor> leaves;
  for (const Tensor& x : inputs) leaves.push_back(rounded64(x).requires_grad_());
  Tensor out = f(leaves);
  (out * rounded64(r)).sum().backward();
  Trial result{out.detach(), {}};
  for (const Tensor& l : leaves) result.grads.push_back(l.grad());
  return result;
}

TEST(AutocastOps, LinearForwardAndGradients) {
  const std::vector<Tensor> in = {random({16, 40}, 30), random({24, 40}, 31)};
  const Tensor bias = random({24}, 32);
  const Tensor r = random({16, 24}, 33);
  auto f = [&](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1], bias.to(t[0].dtype())); };
  const Trial f32 = run(f, in, r, false, false);
  const Trial bf16 = run(f, in, r, true, false);
  const Trial exact = exact_run(f, in, r);
  expect_bf16(bf16.out, exact.out, f32.out, "output");  // the bias is added in f32
  expect_bf16(bf16.grads[0], exact.grads[0], f32.grads[0], "input gradient");
  expect_bf16(bf16.grads[1], exact.grads[1], f32.grads[1], "weight gradient");
}

TEST(AutocastOps, LinearBiasGradientStaysF32) {
  const Tensor x = random({8, 12}, 34);
  const Tensor w = random({5, 12}, 35);
  const Tensor b = random({5}, 36).requires_grad_();
  const Tensor r = random({8, 5}, 37);
  {
    auto guard = autocast();
    (ops::linear(x, w, b) * r).sum().backward();
  }
  EXPECT_TRUE(same_values(b.grad(), r.sum({0})));
}

TEST(AutocastOps, Conv2dForwardAndGradients) {
  // 8 -> 16 channels: oneDNN's blocked bf16 kernels (the thin-channel case falls back to f32 by design).
  const std::vector<Tensor> in = {random({4, 8, 12, 12}, 40), random({16, 8, 3, 3}, 41)};
  const Tensor r = random({4, 16, 12, 12}, 42);
  auto f = [](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], Tensor(), 1, 1); };
  const Trial f32 = run(f, in, r, false, false);
  const Trial bf16 = run(f, in, r, true, false);
  const Trial exact = exact_run(f, in, r);
  expect_bf16(bf16.out, exact.out, f32.out, "output");
  expect_bf16(bf16.grads[0], exact.grads[0], f32.grads[0], "input gradient");
  expect_bf16(bf16.grads[1], exact.grads[1], f32.grads[1], "weight gradient");
}

TEST(AutocastOps, Conv2dWithBiasStridedAndGrouped) {
  const std::vector<Tensor> in = {random({2, 16, 11, 11}, 50), random({32, 8, 3, 3}, 51), random({32}, 52)};
  auto f = [](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], t[2], 2, 1, 1, 2); };
  const Tensor r = random(f(in).shape(), 53);
  const Trial f32 = run(f, in, r, false, false);
  const Trial bf16 = run(f, in, r, true, false);
  const Trial exact = exact_run(f, in, r);
  // The exact run rounded the bias as well; the kernel adds it in f32.
  const Tensor exact_out = exact.out + (in[2].to(kFloat64) - rounded64(in[2])).reshape({1, 32, 1, 1});
  expect_bf16(bf16.out, exact_out, f32.out, "output");
  expect_bf16(bf16.grads[0], exact.grads[0], f32.grads[0], "input gradient");
  expect_bf16(bf16.grads[1], exact.grads[1], f32.grads[1], "weight gradient");
  // The bias gradient sums the (bf16) output gradient in f32.
  EXPECT_LT(rel_err(bf16.grads[2], f32.grads[2]), 1e-2);
}

TEST(AutocastOps, Conv1dAndConvTranspose2dCloseToF32) {
  const Tensor x1 = random({3, 16, 30}, 60);
  const Tensor w1 = random({24, 16, 5}, 61);
  const Tensor x2 = random({2, 16, 7, 7}, 62);
  const Tensor w2 = random({16, 8, 3, 3}, 63);
  const Tensor c1 = ops::conv1d(x1, w1, Tensor(), 1, 2);
  const Tensor t2 = ops::conv_transpose2d(x2, w2, Tensor(), 2, 1, 1);
  const auto guard = autocast();
  EXPECT_LT(rel_err(ops::conv1d(x1, w1, Tensor(), 1, 2), c1), 2e-2);
  EXPECT_LT(rel_err(ops::conv_transpose2d(x2, w2, Tensor(), 2, 1, 1), t2), 2e-2);
}

TEST(AutocastOps, BackwardUsesThePrecisionOfTheForward) {
  const std::vector<Tensor> lin = {random({16, 40}, 70), random({24, 40}, 71)};
  const Tensor lr = random({16, 24}, 72);
  auto linear = [](const std::vector<Tensor>& t) { return ops::linear(t[0], t[1]); };
  const std::vector<Tensor> conv = {random({2, 8, 9, 9}, 73), random({16, 8, 3, 3}, 74)};
  const Tensor cr = random({2, 16, 9, 9}, 75);
  auto conv2d = [](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], Tensor(), 1, 1); };
  for (const auto& [f, in, r] :
       {std::tuple{std::function(linear), lin, lr}, std::tuple{std::function(conv2d), conv, cr}}) {
    // Backward after the guard has closed = backward inside it.
    const Trial inside = run(f, in, r, true, true);
    const Trial after = run(f, in, r, true, false);
    // A forward outside the guard keeps its backward in f32 even when the backward runs inside one.
    const Trial f32 = run(f, in, r, false, false);
    const Trial f32_fwd = run(f, in, r, false, true);
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_TRUE(same_values(after.grads[i], inside.grads[i])) << i;
      EXPECT_TRUE(same_values(f32_fwd.grads[i], f32.grads[i])) << i;
      if (native()) {
        EXPECT_FALSE(same_values(after.grads[i], f32.grads[i])) << i;
      }
    }
  }
}

TEST(AutocastOps, OtherDtypesAreLeftAlone) {
  const Tensor a = random({9, 20}, 80).to(kFloat64);
  const Tensor b = random({20, 7}, 81).to(kFloat64);
  const Tensor x = random({2, 4, 6, 6}, 82).to(kFloat64);
  const Tensor w = random({8, 4, 3, 3}, 83).to(kFloat64);
  const Tensor mm = ops::matmul(a, b);
  const Tensor conv = ops::conv2d(x, w);
  const auto guard = autocast();
  const Tensor mm_ac = ops::matmul(a, b);
  const Tensor conv_ac = ops::conv2d(x, w);
  EXPECT_EQ(mm_ac.dtype(), kFloat64);
  EXPECT_EQ(mm_ac.to_vector<double>(), mm.to_vector<double>());
  EXPECT_EQ(conv_ac.to_vector<double>(), conv.to_vector<double>());
}

TEST(AutocastOps, GradcheckStillPassesInF64UnderAutocast) {
  const auto guard = autocast();
  const Tensor a = random({3, 4}, 90).to(kFloat64).requires_grad_();
  const Tensor b = random({4, 2}, 91).to(kFloat64).requires_grad_();
  const auto r =
      autograd::gradcheck([](const std::vector<Tensor>& t) { return ops::matmul(t[0], t[1]); }, {a, b});
  EXPECT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace strata
