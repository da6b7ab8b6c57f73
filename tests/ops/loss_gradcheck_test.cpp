// Gradient checks for every loss and reduction.
#include "strata/ops/loss.h"
#include "test_util.h"

namespace strata::ops {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

TEST(LossGradcheck, Regression) {
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK([r](const Inputs& x) { return mse_loss(x[0], x[1], r); }, input({3, 4}, 1),
                     transposed_input({3, 4}, 2));
    EXPECT_GRADCHECK([r](const Inputs& x) { return l1_loss(x[0], x[1], r); }, input({3, 4}, 1),
                     input({3, 4}, 2));
    EXPECT_GRADCHECK([r](const Inputs& x) { return smooth_l1_loss(x[0], x[1], r, 0.5); }, input({3, 4}, 3),
                     input({3, 4}, 4));
    EXPECT_GRADCHECK([r](const Inputs& x) { return huber_loss(x[0], x[1], r, 0.7); }, input({3, 4}, 5),
                     input({3, 4}, 6));
  }
}

TEST(LossGradcheck, CrossEntropyWithIndices) {
  const Tensor target = from_vector<int64_t>({2, 0, 4});
  const Tensor weight = from_vector<double>({1.0, 0.5, 2.0, 1.5, 0.7});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK([&](const Inputs& x) { return cross_entropy(x[0], target, {.reduction = r}); },
                     input({3, 5}));
    EXPECT_GRADCHECK(
        [&](const Inputs& x) {
          return cross_entropy(x[0], target, {.weight = weight, .label_smoothing = 0.1, .reduction = r});
        },
        transposed_input({3, 5}));
  }
  // Ignored targets and spatial dims [N, C, d].
  const Tensor spatial = from_vector<int64_t>({1, -100, 0, 2}, {2, 2});
  EXPECT_GRADCHECK([&](const Inputs& x) { return cross_entropy(x[0], spatial, {}); }, input({2, 3, 2}));
}

TEST(LossGradcheck, CrossEntropySpatialWithEveryOption) {
  // [N, C, d1, d2] with weights, an ignored position and label smoothing.
  const Tensor target = from_vector<int64_t>({1, 0, -100, 2, 2, 1, 0, 0}, {2, 2, 2});
  const Tensor weight = from_vector<double>({0.5, 2.0, 1.5});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK(
        [&](const Inputs& x) {
          return cross_entropy(x[0], target, {.weight = weight, .label_smoothing = 0.2, .reduction = r});
        },
        input({2, 3, 2, 2}));
  }
  // Unbatched input [C] with a 0-dim target.
  EXPECT_GRADCHECK(
      [&](const Inputs& x) {
        return cross_entropy(x[0], from_vector<int64_t>({1}, {}), {.label_smoothing = 0.1});
      },
      input({4}));
}

TEST(LossGradcheck, CrossEntropyWithProbabilities) {
  Tensor p = ops::softmax(input({3, 4}, 9).detach(), 1);
  EXPECT_GRADCHECK([&](const Inputs& x) { return cross_entropy(x[0], p, {.label_smoothing = 0.2}); },
                   input({3, 4}));
  // Spatial probabilities with class weights, differentiated with respect to the target too.
  const Tensor weight = from_vector<double>({0.5, 2.0, 1.5});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK(
        [&](const Inputs& x) { return cross_entropy(x[0], x[1], {.weight = weight, .reduction = r}); },
        input({2, 3, 4}, 1), input({2, 3, 4}, 2, 0.0, 1.0));
  }
}

TEST(LossGradcheck, NllSpatialWithWeightAndIgnore) {
  const Tensor target = from_vector<int64_t>({2, -100, 0, 1, 1, 2}, {2, 3});
  const Tensor weight = from_vector<double>({0.5, 2.0, 1.5});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK(
        [&](const Inputs& x) { return nll_loss(x[0], target, {.weight = weight, .reduction = r}); },
        transposed_input({2, 3, 3}));
  }
}

TEST(LossGradcheck, NllAndKl) {
  const Tensor target = from_vector<int64_t>({1, 0, 1, 2});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK([&](const Inputs& x) { return nll_loss(x[0], target, {.reduction = r}); },
                     input({4, 3}));
    EXPECT_GRADCHECK([r](const Inputs& x) { return kl_div(x[0], x[1], r); }, input({2, 3}, 1),
                     input({2, 3}, 2, 0.1, 1.0));
    EXPECT_GRADCHECK([r](const Inputs& x) { return kl_div(x[0], x[1], r, true); }, input({2, 3}, 3),
                     input({2, 3}, 4));
  }
}

TEST(LossGradcheck, BinaryCrossEntropy) {
  const Tensor weight = from_vector<double>({0.5, 1.0, 2.0});
  const Tensor pos_weight = from_vector<double>({3.0, 1.0, 0.5});
  for (Reduction r : kReductions) {
    EXPECT_GRADCHECK([&](const Inputs& x) { return binary_cross_entropy(x[0], x[1], weight, r); },
                     input({2, 3}, 1, 0.05, 0.95), input({2, 3}, 2, 0.0, 1.0));
    EXPECT_GRADCHECK(
        [&](const Inputs& x) { return binary_cross_entropy_with_logits(x[0], x[1], weight, pos_weight, r); },
        input({2, 3}, 3), input({2, 3}, 4, 0.0, 1.0));
  }
}

}  // namespace
}  // namespace strata::ops
