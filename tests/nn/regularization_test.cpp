#include "strata/nn/regularization.h"

#include "strata/nn/linear.h"
#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Regularization, PenaltiesAddUp) {
  std::vector<Tensor> params{from_vector<float>({1, -2}), from_vector<float>({3})};
  EXPECT_NEAR(l1_penalty(params, 0.1).item(), 0.6, 1e-6);
  EXPECT_NEAR(l2_penalty(params, 0.1).item(), 1.4, 1e-6);
  EXPECT_EQ(l2_penalty(params, 0.1).dim(), 0);
  EXPECT_EQ(l1_penalty({}, 0.1).item(), 0.0);
}

TEST(Regularization, PenaltiesAreDifferentiable) {
  Tensor a = from_vector<double>({1.5, -2.0}).requires_grad_();
  Tensor b = from_vector<double>({-0.5}, {1, 1}).requires_grad_();
  (l1_penalty({a, b}, 0.5) + l2_penalty({a, b}, 0.25)).backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.5 + 0.75, -0.5 - 1.0}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{-0.5 - 0.25}));
  EXPECT_EQ(l2_penalty({a}, 1.0).dtype(), kFloat64);
}

TEST(Regularization, WorksOnAModulesParameters) {
  Linear fc(3, 2);
  EXPECT_GT(l2_penalty(fc->parameters(), 1e-4).item(), 0.0);
  l2_penalty(fc->parameters(), 1.0).backward();
  EXPECT_TRUE(allclose(fc->weight.grad(), fc->weight.detach() * 2.0));
}

}  // namespace
}  // namespace strata::nn
