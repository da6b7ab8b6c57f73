// The activation modules forward to their ops and print their arguments like PyTorch.
#include "strata/nn/activation.h"

#include <gmock/gmock.h>

#include <functional>
#include <sstream>

#include "strata/ops/softmax.h"
#include "test_util.h"

namespace strata::nn {
namespace {

std::string repr(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

struct ActivationCase {
  std::shared_ptr<Module> module;
  std::function<Tensor(const Tensor&)> op;
  std::string repr;
};

TEST(Activation, ModulesForwardToTheirOpsAndPrint) {
  using ops::GeluApproximate;
  const std::vector<ActivationCase> cases = {
      {ReLU(), [](const Tensor& x) { return ops::relu(x); }, "ReLU()"},
      {SELU(), [](const Tensor& x) { return ops::selu(x); }, "SELU()"},
      {Sigmoid(), [](const Tensor& x) { return ops::sigmoid(x); }, "Sigmoid()"},
      {Tanh(), [](const Tensor& x) { return ops::tanh(x); }, "Tanh()"},
      {SiLU(), [](const Tensor& x) { return ops::silu(x); }, "SiLU()"},
      {Hardsigmoid(), [](const Tensor& x) { return ops::hardsigmoid(x); }, "Hardsigmoid()"},
      {Hardswish(), [](const Tensor& x) { return ops::hardswish(x); }, "Hardswish()"},
      {Mish(), [](const Tensor& x) { return ops::mish(x); }, "Mish()"},
      {LeakyReLU(), [](const Tensor& x) { return ops::leaky_relu(x, 0.01); },
       "LeakyReLU(negative_slope=0.01)"},
      {LeakyReLU(0.2), [](const Tensor& x) { return ops::leaky_relu(x, 0.2); },
       "LeakyReLU(negative_slope=0.2)"},
      {ELU(), [](const Tensor& x) { return ops::elu(x, 1.0); }, "ELU(alpha=1)"},
      {ELU(0.5), [](const Tensor& x) { return ops::elu(x, 0.5); }, "ELU(alpha=0.5)"},
      {GELU(), [](const Tensor& x) { return ops::gelu(x); }, "GELU(approximate='none')"},
      {GELU(GeluApproximate::Tanh), [](const Tensor& x) { return ops::gelu(x, GeluApproximate::Tanh); },
       "GELU(approximate='tanh')"},
      {Softplus(), [](const Tensor& x) { return ops::softplus(x, 1.0, 20.0); },
       "Softplus(beta=1, threshold=20)"},
      {Softplus(2.0, 5.0), [](const Tensor& x) { return ops::softplus(x, 2.0, 5.0); },
       "Softplus(beta=2, threshold=5)"},
      {Softmax(1), [](const Tensor& x) { return ops::softmax(x, 1); }, "Softmax(dim=1)"},
      {LogSoftmax(-1), [](const Tensor& x) { return ops::log_softmax(x, -1); }, "LogSoftmax(dim=-1)"},
      {ReLU6(), [](const Tensor& x) { return ops::relu6(x); }, "ReLU6()"},
      {Hardtanh(), [](const Tensor& x) { return ops::hardtanh(x, -1.0, 1.0); },
       "Hardtanh(min_val=-1, max_val=1)"},
      {Hardtanh(-2.0, 3.5), [](const Tensor& x) { return ops::hardtanh(x, -2.0, 3.5); },
       "Hardtanh(min_val=-2, max_val=3.5)"},
  };
  const Tensor x = randn({3, 5}, {.dtype = kFloat64}) * 3.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.repr);
    EXPECT_EQ(repr(*c.module), c.repr);
    EXPECT_TRUE(c.module->parameters().empty());
    Tensor leaf = x.detach().requires_grad_();
    const Tensor out = c.module->forward(leaf);
    EXPECT_TRUE(equal(out, c.op(x)));
    // The module's output is differentiable like the op's.
    out.sum().backward();
    Tensor ref_leaf = x.detach().requires_grad_();
    c.op(ref_leaf).sum().backward();
    EXPECT_TRUE(equal(leaf.grad(), ref_leaf.grad()));
  }
}

TEST(Activation, PReLUOwnsOneSlopePerChannel) {
  PReLU shared;
  EXPECT_EQ(repr(*shared), "PReLU(num_parameters=1)");
  ASSERT_EQ(shared->named_parameters().size(), 1u);
  EXPECT_EQ(shared->named_parameters()[0].first, "weight");
  EXPECT_EQ(shared->weight.shape(), Shape({1}));
  EXPECT_EQ(shared->weight.to_vector<double>(), std::vector<double>({0.25}));
  PReLU per_channel(3, 0.1);
  EXPECT_EQ(repr(*per_channel), "PReLU(num_parameters=3)");
  EXPECT_EQ(per_channel->weight.to_vector<float>(), std::vector<float>({0.1f, 0.1f, 0.1f}));
  const Tensor x = randn({2, 3, 4});
  EXPECT_TRUE(equal(per_channel(x), ops::prelu(x, per_channel->weight)));
  // The slope is trained: the loss reaches the parameter.
  per_channel(x).sum().backward();
  ASSERT_TRUE(per_channel->weight.grad().defined());
  EXPECT_EQ(per_channel->weight.grad().shape(), Shape({3}));
  EXPECT_THAT(testing::error_of([] { PReLU(0); }),
              ::testing::HasSubstr("PReLU: num_parameters must be positive, got 0"));
  EXPECT_THAT(testing::error_of([&] {
                per_channel(randn({2, 4, 5}));
              }),
              ::testing::HasSubstr("prelu: weight of shape [3] does not match input of shape [2, 4, 5]"));
}

TEST(Activation, SoftmaxDimErrorsNameTheOp) { EXPECT_THROW(Softmax(3)(zeros({2, 2})), Error); }

TEST(Activation, HardtanhRejectsInvertedBounds) {
  try {
    Hardtanh(1.0, -1.0);
    ADD_FAILURE() << "expected strata::Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Hardtanh: min_val (1) must not exceed max_val (-1)");
  }
}

}  // namespace
}  // namespace strata::nn
