// Gradient checks of the CTC loss in raw log_probs (its own derivative, not only through log_softmax),
// for each reduction, with repeats, a non-zero blank and strided input.
#include "strata/ops/ctc.h"
#include "test_util.h"

namespace strata {
namespace {

using ops::Reduction;
using testing::input;
using testing::strided_input;
using Inputs = std::vector<Tensor>;

Tensor i64(std::vector<int64_t> v, Shape shape) { return from_vector(v, shape); }

TEST(CtcGradcheck, EachReduction) {
  const Tensor targets = i64({1, 2, 2, 3, 1, 0}, {2, 3});
  const Tensor il = i64({7, 5}, {2}), tl = i64({3, 2}, {2});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    auto f = [&](const Inputs& x) { return ops::ctc_loss(x[0], targets, il, tl, {.reduction = r}); };
    EXPECT_GRADCHECK(f, input({7, 2, 4}, 1, -2.0, 0.0));
  }
}

TEST(CtcGradcheck, BlankLastStridedAndLogSoftmax) {
  const Tensor targets = i64({0, 1, 1, 2}, {4});
  const Tensor il = i64({6, 6}, {2}), tl = i64({2, 2}, {2});
  auto f = [&](const Inputs& x) { return ops::ctc_loss(x[0], targets, il, tl, {.blank = 3}); };
  EXPECT_GRADCHECK(f, strided_input({6, 2, 4}, 2, -2.0, 0.0));
  auto g = [&](const Inputs& x) {
    return ops::ctc_loss(F::log_softmax(x[0], 2), targets, il, tl, {.blank = 3});
  };
  EXPECT_GRADCHECK(g, input({6, 2, 4}, 3));
}

}  // namespace
}  // namespace strata
