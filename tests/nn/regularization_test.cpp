#include "strata/nn/regularization.h"

#include "test_util.h"

namespace strata::nn {
namespace {

TEST(Regularization, PenaltiesAddUp) {
  std::vector<Tensor> params{from_vector<float>({1, -2}), from_vector<float>({3})};
  EXPECT_NEAR(l1_penalty(params, 0.1).item(), 0.6, 1e-6);
  EXPECT_NEAR(l2_penalty(params, 0.1).item(), 1.4, 1e-6);
}

}  // namespace
}  // namespace strata::nn
