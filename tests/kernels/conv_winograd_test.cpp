// Winograd convolutions (kernels::cpu::ConvAlgorithm): forward and both gradients agree with the
// direct kernels and with f64 arithmetic, in either activation layout; kAuto keeps small problems on
// the direct kernels.
#include "kernels/cpu/conv.h"
#include "kernels/cpu/memory_format.h"
#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

using kernels::cpu::ConvAlgorithm;
using kernels::cpu::is_channels_last;
using kernels::cpu::set_conv_algorithm;

Tensor channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

void expect_close(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto va = a.to(kFloat64).to_vector<double>();
  const auto vb = b.to(kFloat64).to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_NEAR(va[i], vb[i], tol * (1.0 + std::abs(vb[i]))) << "at " << i;
}

struct Result {
  Tensor out, gx, gw, gb;
};

// The output of a 3x3 stride-1 convolution and the gradients of sum(out * probe), under `algorithm`.
Result run(ConvAlgorithm algorithm, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in,
           const Tensor& probe, int64_t pad) {
  set_conv_algorithm(algorithm);
  Tensor x = x_in.detach().requires_grad_();
  Tensor w = w_in.detach().requires_grad_();
  Tensor b = b_in.detach().requires_grad_();
  const Tensor out = ops::conv2d(x, w, b, {1, 1}, {pad, pad}, {1, 1}, 1);
  ops::sum(ops::mul(out, probe)).backward();
  set_conv_algorithm(ConvAlgorithm::kAuto);
  return {out.detach(), x.grad(), w.grad(), b.grad()};
}

void expect_same(const Result& a, const Result& b, double tol) {
  expect_close(a.out, b.out, tol);
  expect_close(a.gx, b.gx, tol);
  expect_close(a.gw, b.gw, tol);
  expect_close(a.gb, b.gb, tol);
}

bool same_bits(const Result& a, const Result& b) {
  return equal(a.out, b.out) && equal(a.gx, b.gx) && equal(a.gw, b.gw);
}

TEST(ConvWinograd, MatchesDirectAndFloat64InBothLayouts) {
  Generator gen(11);
  for (const int64_t pad : {1, 0}) {
    const Tensor x = randn({3, 16, 13, 12}, {}, &gen);
    const Tensor w = randn({32, 16, 3, 3}, {}, &gen) * 0.1;
    const Tensor b = randn({32}, {}, &gen);
    const int64_t oh = 13 + 2 * pad - 2, ow = 12 + 2 * pad - 2;
    const Tensor probe = randn({3, 32, oh, ow}, {}, &gen);
    const Result direct = run(ConvAlgorithm::kDirect, x, w, b, probe, pad);
    const Result winograd = run(ConvAlgorithm::kWinograd, x, w, b, probe, pad);
    const Result ref = run(ConvAlgorithm::kWinograd, x.to(kFloat64), w.to(kFloat64), b.to(kFloat64),
                           probe.to(kFloat64), pad);  // f64 runs the reference loops
    expect_same(winograd, direct, 1e-4);
    expect_same(winograd, ref, 1e-4);
    // Channels-last activations keep the layouts the direct kernels give them.
    const Result cl = run(ConvAlgorithm::kWinograd, channels_last(x), w, b, channels_last(probe), pad);
    const Result cl_direct = run(ConvAlgorithm::kDirect, channels_last(x), w, b, channels_last(probe), pad);
    EXPECT_TRUE(is_channels_last(cl.out));
    EXPECT_EQ(cl.gx.strides(), cl_direct.gx.strides());
    expect_same(cl, ref, 1e-4);
#if defined(__x86_64__)
    // Where oneDNN has its AVX-512 Winograd kernels they really ran: the sums differ in rounding.
    if (__builtin_cpu_supports("avx512f")) {
      EXPECT_FALSE(same_bits(winograd, direct));
    }
#endif
  }
}

TEST(ConvWinograd, AutoKeepsSmallProblemsDirect) {
  Generator gen(12);
  const Tensor x = randn({2, 16, 8, 8}, {}, &gen);
  const Tensor w = randn({16, 16, 3, 3}, {}, &gen) * 0.1;
  const Tensor b = randn({16}, {}, &gen);
  const Tensor probe = randn({2, 16, 8, 8}, {}, &gen);
  // 2 * 16 * 64 * 16 * 9 multiply-adds, far below kernels::cpu::kWinogradMinMacs: no timing, no Winograd.
  EXPECT_TRUE(same_bits(run(ConvAlgorithm::kAuto, x, w, b, probe, 1),
                        run(ConvAlgorithm::kDirect, x, w, b, probe, 1)));
}

}  // namespace
}  // namespace strata
