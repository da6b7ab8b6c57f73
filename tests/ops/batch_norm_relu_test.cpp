// relu(batch_norm) as one op: the fused kernel (f32, 4-D, batch statistics) and the unfused paths give
// the same outputs, gradients and running statistics as the two ops in turn.
#include "ops/batch_norm_relu.h"

#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

void expect_close(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto va = a.to(kFloat64).to_vector<double>();
  const auto vb = b.to(kFloat64).to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_NEAR(va[i], vb[i], tol * (1.0 + std::abs(vb[i]))) << "at " << i;
}

struct Run {
  Tensor out, gx, gw, gb, running_mean, running_var;
};

Run run(bool fused, const Tensor& x_in, bool training, Dtype dtype) {
  Generator gen(3);
  Tensor x = x_in.to(dtype).detach().requires_grad_();
  Tensor w = (randn({x.size(1)}, {}, &gen) + 1.0).to(dtype).detach().requires_grad_();
  Tensor b = randn({x.size(1)}, {}, &gen).to(dtype).detach().requires_grad_();
  Tensor rm = randn({x.size(1)}, {}, &gen).to(dtype);
  Tensor rv = (rand({x.size(1)}, {}, &gen) + 0.5).to(dtype);
  const Tensor probe = randn(x.shape(), {}, &gen).to(dtype);
  const Tensor out = fused ? ops::batch_norm_relu(x, rm, rv, w, b, training, 0.1, 1e-5)
                           : ops::relu(ops::batch_norm(x, rm, rv, w, b, training, 0.1, 1e-5));
  ops::sum(ops::mul(out, probe)).backward();
  return {out.detach(), x.grad(), w.grad(), b.grad(), rm, rv};
}

void expect_same(const Run& a, const Run& b) {
  expect_close(a.out, b.out);
  expect_close(a.gx, b.gx, 1e-4);
  expect_close(a.gw, b.gw, 1e-4);
  expect_close(a.gb, b.gb, 1e-4);
  expect_close(a.running_mean, b.running_mean);
  expect_close(a.running_var, b.running_var);
}

TEST(BatchNormRelu, MatchesBatchNormThenRelu) {
  Generator gen(1);
  const Tensor x = randn({8, 16, 6, 6}, {}, &gen);
  for (bool training : {true, false}) {
    for (Dtype dt : {kFloat32, kFloat64}) {
      SCOPED_TRACE(::testing::Message() << "training " << training << " " << dtype_name(dt));
      expect_same(run(true, x, training, dt), run(false, x, training, dt));
    }
  }
  // Other ranks take the unfused path.
  const Tensor x3 = randn({8, 5, 7}, {}, &gen);
  expect_same(run(true, x3, true, kFloat32), run(false, x3, true, kFloat32));
}

TEST(BatchNormRelu, SecondOrderGradientsMatch) {
  Generator gen(2);
  const Tensor x0 = randn({4, 8, 5, 5}, {}, &gen);
  const Tensor w = randn({8}, {}, &gen) + 1.0;
  const Tensor b = randn({8}, {}, &gen);
  std::vector<Tensor> results;
  for (bool fused : {true, false}) {
    Tensor x = x0.detach().requires_grad_();
    const Tensor y = fused ? ops::batch_norm_relu(x, Tensor(), Tensor(), w, b, true, 0.1, 1e-5)
                           : ops::relu(ops::batch_norm(x, Tensor(), Tensor(), w, b, true, 0.1, 1e-5));
    const Tensor g = autograd::grad(ops::sum(ops::mul(y, y)), {x}, {}, true, true)[0];
    results.push_back(autograd::grad(ops::sum(ops::mul(g, g)), {x})[0]);
  }
  expect_close(results[0], results[1], 1e-3);
}

TEST(BatchNormRelu, SequentialFusesBatchNormAndRelu) {
  manual_seed(4);
  auto net = nn::Sequential(nn::Conv2d(3, 8, 3), nn::BatchNorm2d(8), nn::ReLU(), nn::Flatten(),
                            nn::Linear(8 * 4 * 4, 3));
  Generator gen(5);
  const Tensor x = randn({6, 3, 6, 6}, {}, &gen);
  const Tensor out = net(x);
  ops::sum(out).backward();
  // The same layers one by one, from the same parameters and running statistics.
  auto conv = std::dynamic_pointer_cast<nn::Conv2dImpl>((*net)[0]);
  auto bn = std::dynamic_pointer_cast<nn::BatchNormImpl>((*net)[1]);
  auto fc = std::dynamic_pointer_cast<nn::LinearImpl>((*net)[4]);
  Tensor w = conv->weight.detach().requires_grad_();
  Tensor bn_w = bn->weight.detach().requires_grad_();
  Tensor rm = zeros({8});
  Tensor rv = ones({8});
  const Tensor h = ops::relu(ops::batch_norm(ops::conv2d(x, w, conv->bias.detach()), rm, rv, bn_w,
                                             bn->bias.detach(), true, 0.1, 1e-5));
  const Tensor ref = ops::linear(ops::flatten(h, 1), fc->weight.detach(), fc->bias.detach());
  ops::sum(ref).backward();
  expect_close(out, ref);
  expect_close(conv->weight.grad(), w.grad(), 1e-4);
  expect_close(bn->weight.grad(), bn_w.grad(), 1e-4);
  expect_close(bn->running_mean, rm);
  expect_close(bn->running_var, rv);
}

}  // namespace
}  // namespace strata
