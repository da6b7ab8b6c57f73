// Losses by name: each gives the value of its class built directly; options, defaults and errors.
#include "strata/nn/loss_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "strata/nn.h"
#include "strata/ops.h"
#include "strata/strata.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

TEST(LossRegistry, EachNameComputesItsLoss) {
  const Tensor logits = from_vector<double>({0.2, -1.0, 2.0, 0.5, 0.1, -0.3}, {2, 3});
  const Tensor target = from_vector<int64_t>({2, 0});
  const Tensor dense = from_vector<double>({0.0, 0.5, 1.0, 1.0, 0.0, 0.25}, {2, 3});
  auto value = [](const Tensor& t) { return t.item<double>(); };
  EXPECT_DOUBLE_EQ(value(create_loss("cross_entropy", {{"label_smoothing", 0.1}})->forward(logits, target)),
                   value(CrossEntropyLoss({.label_smoothing = 0.1})(logits, target)));
  EXPECT_DOUBLE_EQ(value(create_loss("nll")->forward(F::log_softmax(logits, 1), target)),
                   value(NLLLoss()(F::log_softmax(logits, 1), target)));
  EXPECT_DOUBLE_EQ(value(create_loss("mse", {{"reduction", "sum"}})->forward(logits, dense)),
                   value(MSELoss(Reduction::Sum)(logits, dense)));
  EXPECT_DOUBLE_EQ(value(create_loss("l1")->forward(logits, dense)), value(L1Loss()(logits, dense)));
  EXPECT_DOUBLE_EQ(value(create_loss("smooth_l1", {{"beta", 0.5}})->forward(logits, dense)),
                   value(SmoothL1Loss(Reduction::Mean, 0.5)(logits, dense)));
  EXPECT_DOUBLE_EQ(value(create_loss("huber", {{"delta", 0.5}})->forward(logits, dense)),
                   value(HuberLoss(Reduction::Mean, 0.5)(logits, dense)));
  EXPECT_DOUBLE_EQ(value(create_loss("bce_with_logits")->forward(logits, dense)),
                   value(BCEWithLogitsLoss()(logits, dense)));
  EXPECT_DOUBLE_EQ(value(create_loss("bce")->forward(F::sigmoid(logits), dense)),
                   value(BCELoss()(F::sigmoid(logits), dense)));
  EXPECT_DOUBLE_EQ(
      value(create_loss("kl_div", {{"reduction", "sum"}})->forward(F::log_softmax(logits, 1), dense)),
      value(KLDivLoss(Reduction::Sum)(F::log_softmax(logits, 1), dense)));
  // reduction: none keeps one loss per example.
  EXPECT_EQ(create_loss("cross_entropy", {{"reduction", "none"}})->forward(logits, target).shape(), Shape{2});
  // Defaults are PyTorch's: no smoothing, ignore_index -100.
  const LayerArgs ce("cross_entropy", loss_type("cross_entropy").options, {}, {}, {}, "loss");
  EXPECT_EQ(ce.number("label_smoothing"), 0.0);
  EXPECT_EQ(ce.integer("ignore_index"), -100);
  EXPECT_EQ(ce.text("reduction"), "mean");
}

TEST(LossRegistry, ErrorsNameTheLossAndOption) {
  EXPECT_THAT(error_of([] { create_loss("cross_entropyy"); }),
              HasSubstr("unknown loss 'cross_entropyy' (did you mean 'cross_entropy'?)"));
  EXPECT_THAT(error_of([] {
                create_loss("mse", {{"label_smoothing", 0.1}});
              }),
              HasSubstr("loss 'mse' has no argument 'label_smoothing' (arguments: reduction)"));
  EXPECT_THAT(error_of([] {
                create_loss("cross_entropy", {{"label_smoothing", 2.0}});
              }),
              HasSubstr("loss 'cross_entropy' argument 'label_smoothing' must be in [0, 1], got 2"));
  EXPECT_THAT(error_of([] {
                create_loss("l1", {{"reduction", "avg"}});
              }),
              HasSubstr("argument 'reduction' must be 'mean' or 'sum' or 'none', got 'avg'"));
  EXPECT_THAT(error_of([] {
                create_loss("huber", {{"delta", 0.0}});
              }),
              HasSubstr("argument 'delta' must be positive"));
}

}  // namespace
}  // namespace strata::nn
