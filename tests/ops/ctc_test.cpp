// CTC loss: a hand-computed case, and bad input naming the op and shapes.
#include "strata/ops/ctc.h"

#include "test_util.h"

namespace strata {
namespace {

Tensor i64(std::vector<int64_t> v) { return from_vector(v); }

// Two steps, one label a: the paths "a-", "-a", "aa" sum to p(a)p(-) + p(-)p(a) + p(a)p(a).
TEST(Ctc, MatchesTheSumOverAlignments) {
  const double pa = 0.6, pb = 0.4;  // class 1 = a, class 0 = blank
  const Tensor lp = ops::log(from_vector<double>({pb, pa, pb, pa}, {2, 1, 2}));
  const Tensor loss =
      ops::ctc_loss(lp, i64({1}).reshape({1, 1}), i64({2}), i64({1}), {.reduction = ops::Reduction::Sum});
  EXPECT_NEAR(loss.item(), -std::log(pa * pb + pb * pa + pa * pa), 1e-12);
}

TEST(Ctc, BadInputNamesTheProblem) {
  const Tensor lp = zeros({5, 2, 4});
  const Tensor t = i64({1, 2, 3, 1}).reshape({2, 2});
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(zeros({5, 4, 2, 1}), t, i64({5, 5}), i64({2, 2})), "ctc_loss",
                        "[5, 4, 2, 1]");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, t, i64({5, 5}), i64({2, 2}), {.blank = 4}), "blank 4", "C = 4");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, t, i64({5}), i64({2, 2})), "input_lengths", "[2]");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, t, i64({6, 5}), i64({2, 2})), "input_lengths[0] = 6");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, t, i64({5, 5}), i64({3, 2})), "target_lengths[0] = 3");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, i64({1, 0, 3, 1}).reshape({2, 2}), i64({5, 5}), i64({2, 2})),
                        "target 0 of sequence 0", "blank 0");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, zeros({2, 2}), i64({5, 5}), i64({2, 2})),
                        "targets must be integer");
  EXPECT_ERROR_CONTAINS(ops::ctc_loss(lp, i64({1, 2, 3}).reshape({3, 1}), i64({5, 5}), i64({1, 1})),
                        "3 rows");
}

}  // namespace
}  // namespace strata
