// The loss modules forward to their functional forms with their options and print like PyTorch.
#include "strata/nn/loss.h"

#include <sstream>

#include "test_util.h"

namespace strata::nn {
namespace {

std::string repr(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

TEST(LossModules, ForwardToTheOpsWithTheirOptions) {
  const Tensor x = randn({3, 4}, {.dtype = kFloat64});
  const Tensor y = randn({3, 4}, {.dtype = kFloat64});
  const Tensor p = rand({3, 4}, {.dtype = kFloat64}) * 0.9 + 0.05;
  const Tensor t = rand({3, 4}, {.dtype = kFloat64});
  const Tensor w = rand({4}, {.dtype = kFloat64}) + 0.5;
  const Tensor labels = from_vector<int64_t>({3, 0, -100});

  EXPECT_TRUE(equal(MSELoss()(x, y), ops::mse_loss(x, y)));
  EXPECT_TRUE(equal(L1Loss(Reduction::Sum)(x, y), ops::l1_loss(x, y, Reduction::Sum)));
  EXPECT_TRUE(
      equal(SmoothL1Loss(Reduction::None, 0.5)(x, y), ops::smooth_l1_loss(x, y, Reduction::None, 0.5)));
  EXPECT_TRUE(equal(HuberLoss(Reduction::Mean, 1.5)(x, y), ops::huber_loss(x, y, Reduction::Mean, 1.5)));
  const ops::CrossEntropyOptions ce{.weight = w, .label_smoothing = 0.1, .reduction = Reduction::Sum};
  EXPECT_TRUE(equal(CrossEntropyLoss(ce)(x, labels), ops::cross_entropy(x, labels, ce)));
  EXPECT_TRUE(equal(NLLLoss({.weight = w})(x, labels), ops::nll_loss(x, labels, {.weight = w})));
  EXPECT_TRUE(equal(BCELoss(w)(p, t), ops::binary_cross_entropy(p, t, w)));
  EXPECT_TRUE(equal(BCEWithLogitsLoss({}, w, Reduction::Sum)(x, t),
                    ops::binary_cross_entropy_with_logits(x, t, {}, w, Reduction::Sum)));
  EXPECT_TRUE(equal(KLDivLoss(Reduction::Sum, true)(x, y), ops::kl_div(x, y, Reduction::Sum, true)));
}

TEST(LossModules, TheShownReductionIsTheOneApplied) {
  const Tensor x = randn({2, 3});
  const Tensor labels = from_vector<int64_t>({2, 0});
  CrossEntropyLoss ce;
  ce->reduction = Reduction::None;
  EXPECT_EQ(ce(x, labels).shape(), (Shape{2}));
  EXPECT_EQ(repr(*ce.ptr()), "CrossEntropyLoss(reduction='none')");
  NLLLoss nll({.reduction = Reduction::Sum});
  EXPECT_EQ(repr(*nll.ptr()), "NLLLoss(reduction='sum')");
  EXPECT_EQ(nll(x, labels).dim(), 0);
}

TEST(LossModules, PrintAndNeedATarget) {
  EXPECT_EQ(repr(*MSELoss().ptr()), "MSELoss(reduction='mean')");
  EXPECT_EQ(repr(*KLDivLoss(Reduction::Sum).ptr()), "KLDivLoss(reduction='sum')");
  // Any loss module can stand where a loss is expected.
  std::shared_ptr<LossImpl> loss = BCEWithLogitsLoss();
  EXPECT_EQ(loss->type_name(), "BCEWithLogitsLoss");
  try {
    std::shared_ptr<Module> as_module = loss;  // as a container would call it
    as_module->forward(zeros({2}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "BCEWithLogitsLoss: a loss takes (input, target)");
  }
}

}  // namespace
}  // namespace strata::nn
