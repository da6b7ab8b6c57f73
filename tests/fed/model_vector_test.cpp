#include "strata/fed/model_vector.h"

#include <gtest/gtest.h>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::fed {
namespace {

TEST(ModelVector, RoundTripsParametersAndFloatBuffers) {
  manual_seed(1);
  auto a = nn::Sequential(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::Linear(4, 2)).ptr();
  manual_seed(2);
  auto b = nn::Sequential(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::Linear(4, 2)).ptr();
  // 12 + 4 (Linear) + 8 (BN affine) + 8 (running mean, var) + 8 + 2 (Linear); num_batches_tracked is not
  // floating.
  EXPECT_EQ(model_vector_size(*a), 42);
  const Tensor va = model_to_vector(*a);
  ASSERT_EQ(va.numel(), 42);
  vector_to_model(va, *b);
  EXPECT_EQ(model_to_vector(*b).to_vector<float>(), va.to_vector<float>());
  EXPECT_ERROR_CONTAINS(vector_to_model(zeros({41}), *b), "42", "[41]");
}

}  // namespace
}  // namespace strata::fed
