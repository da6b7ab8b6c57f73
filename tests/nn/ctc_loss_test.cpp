// nn::CTCLoss: options reach the op, and the module prints like PyTorch's.
#include "strata/nn/ctc_loss.h"

#include "test_util.h"

namespace strata {
namespace {

TEST(CTCLossModule, ForwardsItsOptions) {
  nn::CTCLoss loss(3, ops::Reduction::Sum, true);
  EXPECT_EQ(loss->extra_repr(), "blank=3, reduction='sum', zero_infinity=True");
  Generator g(1);
  const Tensor lp = F::log_softmax(randn({6, 2, 4}, {}, &g), 2);
  const Tensor targets = from_vector<int64_t>({0, 1, 2, 2}, {2, 2});
  const Tensor il = from_vector<int64_t>({6, 1}), tl = from_vector<int64_t>({2, 2});
  const Tensor got = loss(lp, targets, il, tl);
  const Tensor want = ops::ctc_loss(lp, targets, il, tl,
                                    {.blank = 3, .reduction = ops::Reduction::Sum, .zero_infinity = true});
  EXPECT_DOUBLE_EQ(got.item(), want.item());
  EXPECT_TRUE(std::isfinite(got.item()));  // the second sequence cannot align, and counts 0
  EXPECT_ERROR_CONTAINS(loss->forward(lp), "CTCLoss", "input_lengths");
}

}  // namespace
}  // namespace strata
