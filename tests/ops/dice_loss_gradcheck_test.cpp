// Gradient checks of dice_loss: 2-D and 4-D logits, contiguous and transposed, with and without smoothing.
#include "strata/ops/dice_loss.h"
#include "test_util.h"

namespace strata::ops {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(DiceLossGradcheck, Logits2d) {
  const Tensor target = from_vector<int64_t>({2, 0, 1, 2});
  EXPECT_GRADCHECK([&](const Inputs& x) { return dice_loss(x[0], target); }, input({4, 3}));
  EXPECT_GRADCHECK([&](const Inputs& x) { return dice_loss(x[0], target, 0.0); }, transposed_input({4, 3}));
}

TEST(DiceLossGradcheck, SpatialLogits) {
  const Tensor target = from_vector<int64_t>({0, 1, 2, 1, 0, 0, 2, 2}, {2, 2, 2});
  EXPECT_GRADCHECK([&](const Inputs& x) { return dice_loss(x[0], target); }, input({2, 3, 2, 2}, 3));
  EXPECT_GRADCHECK([&](const Inputs& x) { return dice_loss(x[0], target, 5.0); }, input({2, 3, 2, 2}, 4));
}

}  // namespace
}  // namespace strata::ops
