// CRNN: the CTC layout of its outputs, output steps for padded inputs, and bad input.
#include "strata/models/crnn.h"

#include "test_util.h"

namespace strata {
namespace {

TEST(Crnn, OutputsCtcLayout) {
  models::CRNN model(40, 11, models::CRNNOptions{.channels = 8, .hidden = 8, .num_layers = 1});
  auto [lp, steps] = model->forward(zeros({3, 1, 40, 50}), from_vector<int64_t>({50, 31, 20}));
  EXPECT_EQ(lp.shape(), Shape({25, 3, 11}));
  EXPECT_EQ(steps.to_vector<int64_t>(), (std::vector<int64_t>{25, 15, 10}));
  // Log-probabilities: each step sums to 1.
  EXPECT_NEAR(ops::exp(lp.select(0, 0).select(0, 0)).sum().item(), 1.0, 1e-5);
  EXPECT_ERROR_CONTAINS(model->forward(zeros({3, 40, 50})), "CRNN", "[3, 40, 50]");
}

}  // namespace
}  // namespace strata
