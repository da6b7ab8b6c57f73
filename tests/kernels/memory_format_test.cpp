// Channels-last activations: the convolution, pooling and batch-norm kernels produce and consume them,
// elementwise kernels keep them, and every result (forward and gradients) equals the NCHW path.
#include "kernels/cpu/memory_format.h"

#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

using kernels::cpu::empty_like_layout;
using kernels::cpu::is_channels_last;
using kernels::cpu::to_channels_last;

// The same values as x, laid out channels-last (a permuted view of a dense [N, H, W, C] copy).
Tensor channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

void expect_close(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto va = a.to(kFloat64).to_vector<double>();
  const auto vb = b.to(kFloat64).to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_NEAR(va[i], vb[i], tol * (1.0 + std::abs(vb[i]))) << "at " << i;
}

TEST(MemoryFormat, RecognisesChannelsLast) {
  const Tensor x = randn({2, 3, 4, 5});
  EXPECT_FALSE(is_channels_last(x));
  EXPECT_TRUE(is_channels_last(channels_last(x)));
  EXPECT_TRUE(is_channels_last(to_channels_last(x)));
  EXPECT_TRUE(equal(to_channels_last(x), x));
  // One channel (or a 1x1 plane) is both layouts; other ranks are never channels-last.
  EXPECT_TRUE(is_channels_last(randn({2, 1, 4, 5})));
  EXPECT_TRUE(is_channels_last(randn({2, 3, 1, 1})));
  EXPECT_FALSE(is_channels_last(randn({2, 3, 4})));
  // A slice of a channels-last tensor is not dense.
  EXPECT_FALSE(is_channels_last(channels_last(x).slice(2, 0, 2)));
}

TEST(MemoryFormat, EmptyLikeLayoutKeepsDenseStrideOrders) {
  const Tensor cl = channels_last(randn({2, 3, 4, 5}));
  EXPECT_EQ(empty_like_layout(cl.shape(), kFloat32, cl.device(), cl).strides(), cl.strides());
  const Tensor t = randn({6, 7}).t();
  EXPECT_EQ(empty_like_layout(t.shape(), kFloat64, t.device(), t).strides(), t.strides());
  // Not dense (a slice) or another shape: contiguous.
  const Tensor s = randn({6, 8}).slice(1, 0, 8, 2);
  EXPECT_TRUE(empty_like_layout(s.shape(), kFloat32, s.device(), s).is_contiguous());
  EXPECT_TRUE(empty_like_layout({3, 2, 4, 5}, kFloat32, cl.device(), cl).is_contiguous());
}

TEST(MemoryFormat, ElementwiseResultsKeepChannelsLast) {
  Generator gen(3);
  const Tensor x = randn({2, 5, 3, 4}, {}, &gen);
  const Tensor xc = channels_last(x);
  const Tensor bias = randn({1, 5, 1, 1}, {}, &gen);
  const Tensor r = ops::relu(xc);
  EXPECT_TRUE(is_channels_last(r));
  EXPECT_TRUE(equal(r, ops::relu(x)));
  const Tensor s = ops::add(xc, bias);
  EXPECT_TRUE(is_channels_last(s));
  EXPECT_TRUE(equal(s, ops::add(x, bias)));
  EXPECT_TRUE(equal(ops::mul(xc, xc), ops::mul(x, x)));
  EXPECT_TRUE(equal(ops::where(ops::gt(xc, 0.0), xc, bias), ops::where(ops::gt(x, 0.0), x, bias)));
  // Mixed layouts still pair the right elements; reshape copies into row-major order.
  EXPECT_TRUE(equal(ops::add(xc, x), ops::add(x, x)));
  EXPECT_TRUE(equal(ops::reshape(xc, {2, 60}), ops::reshape(x, {2, 60})));
  // Large enough to split across threads.
  const Tensor big = randn({4, 16, 32, 32}, {}, &gen);
  const int threads = get_num_threads();
  set_num_threads(2);
  EXPECT_TRUE(equal(ops::sigmoid(channels_last(big)), ops::sigmoid(big)));
  set_num_threads(threads);
}

// Runs f on (x, w) and returns the output and the gradients of sum(out * probe) w.r.t. x and w.
struct Result {
  Tensor out, gx, gw;
};

template <typename F>
Result run(F f, const Tensor& x_in, const Tensor& w_in, const Tensor& probe) {
  Tensor x = x_in.detach().requires_grad_();
  Tensor w = w_in.defined() ? w_in.detach().requires_grad_() : Tensor();
  const Tensor out = f(x, w);
  ops::sum(ops::mul(out, probe)).backward();
  return {out.detach(), x.grad(), w.defined() ? w.grad() : Tensor()};
}

void expect_same(const Result& a, const Result& b, double tol = 1e-5) {
  expect_close(a.out, b.out, tol);
  expect_close(a.gx, b.gx, tol);
  if (b.gw.defined()) expect_close(a.gw, b.gw, tol);
}

TEST(MemoryFormat, ConvolutionChannelsLastMatchesNchwAndFloat64) {
  Generator gen(5);
  struct Case {
    int64_t cin, cout, k, pad, stride, groups;
  };
  for (const Case c : {Case{1, 6, 5, 2, 1, 1}, Case{6, 16, 5, 0, 1, 1}, Case{3, 8, 3, 1, 2, 1},
                       Case{8, 8, 3, 1, 1, 8}, Case{16, 32, 3, 1, 1, 1}, Case{2, 2, 3, 0, 1, 1}}) {
    const Tensor x = randn({3, c.cin, 11, 11}, {}, &gen);
    const Tensor w = randn({c.cout, c.cin / c.groups, c.k, c.k}, {}, &gen) * 0.2;
    const Tensor b = randn({c.cout}, {}, &gen);
    auto conv = [&](const Tensor& xi, const Tensor& wi) {
      return ops::conv2d(xi, wi, wi.dtype() == kFloat64 ? b.to(kFloat64) : b, {c.stride, c.stride},
                         {c.pad, c.pad}, {1, 1}, c.groups);
    };
    const Tensor probe = randn(conv(x, w).shape(), {}, &gen);
    const Result nchw = run(conv, x, w, probe);
    const Result cl = run(conv, channels_last(x), w, probe);
    const Result ref = run(conv, x.to(kFloat64), w.to(kFloat64), probe.to(kFloat64));  // reference loops
    expect_same(cl, nchw);
    expect_same(nchw, ref, 1e-4);
    // The gradient of the output may arrive in either layout.
    const Result cl_probe = run(conv, x, w, channels_last(probe));
    expect_same(cl_probe, nchw);
  }
}

TEST(MemoryFormat, PoolingAndBatchNormChannelsLastMatchNchw) {
  Generator gen(7);
  const Tensor x = randn({4, 6, 10, 10}, {}, &gen);
  const Tensor none;
  auto maxpool = [](const Tensor& xi, const Tensor&) { return ops::max_pool2d(xi, 2); };
  auto avgpool = [](const Tensor& xi, const Tensor&) { return ops::avg_pool2d(xi, 3, 2, 1); };
  const Tensor gamma = randn({6}, {}, &gen);
  const Tensor beta = randn({6}, {}, &gen);
  auto bn = [&](const Tensor& xi, const Tensor& wi) {
    const Dtype dt = xi.dtype();
    return ops::batch_norm(xi, Tensor(), Tensor(), wi, beta.to(dt), true, 0.1, 1e-5);
  };
  for (auto& [name, f, w] :
       std::vector<std::tuple<const char*, std::function<Tensor(const Tensor&, const Tensor&)>, Tensor>>{
           {"max_pool2d", maxpool, none}, {"avg_pool2d", avgpool, none}, {"batch_norm", bn, gamma}}) {
    SCOPED_TRACE(name);
    const Tensor probe = randn(f(x, w).shape(), {}, &gen);
    const Result nchw = run(f, x, w, probe);
    const Result cl = run(f, channels_last(x), w, probe);
    const Result cl_probe = run(f, channels_last(x), w, probe.contiguous());
    const Result ref = run(f, x.to(kFloat64), w.defined() ? w.to(kFloat64) : w, probe.to(kFloat64));
    expect_same(cl, nchw, 1e-4);
    expect_same(cl_probe, nchw, 1e-4);
    expect_same(nchw, ref, 1e-4);
    EXPECT_TRUE(is_channels_last(cl.out));
  }
}

// A small CNN in f32 (channels-last between layers) against the same network in f64 (reference loops,
// NCHW): output and every parameter gradient.
TEST(MemoryFormat, ConvBatchNormPoolNetworkMatchesFloat64) {
  manual_seed(11);
  auto net = nn::Sequential(nn::Conv2d(1, 8, 3, {.padding = 1}), nn::BatchNorm2d(8), nn::ReLU(),
                            nn::MaxPool2d(2), nn::Conv2d(8, 16, 3), nn::ReLU(), nn::AvgPool2d(2),
                            nn::Flatten(), nn::Linear(16 * 2 * 2, 5));
  Generator gen(12);
  const Tensor x = randn({6, 1, 12, 12}, {}, &gen);
  const Tensor y = randint(0, 5, {6}, {.dtype = kInt64}, &gen);
  ops::cross_entropy(net(x), y).backward();
  std::vector<Tensor> grads32;
  for (const Tensor& p : net->parameters()) grads32.push_back(p.grad().clone());
  const Tensor out32 = net(x).detach();
  net->zero_grad();
  net->to(kFloat64);
  ops::cross_entropy(net(x.to(kFloat64)), y).backward();
  expect_close(out32, net(x.to(kFloat64)).detach(), 1e-4);
  const auto params = net->parameters();
  for (size_t i = 0; i < params.size(); ++i) expect_close(grads32[i], params[i].grad(), 2e-4);
}

}  // namespace
}  // namespace strata
