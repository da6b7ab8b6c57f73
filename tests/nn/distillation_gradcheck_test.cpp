// Gradient checks of the distillation loss with respect to the student's logits.
#include "strata/nn/distillation.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

Tensor labels(std::vector<int64_t> v) { return from_vector(v); }

TEST(DistillationGradcheck, SoftAndHard) {
  const Tensor teacher = input({4, 5}, 2).detach() * 2.0;
  const Tensor target = labels({0, 4, 2, 2});
  for (double t : {1.0, 4.0}) {
    for (double alpha : {0.0, 0.5, 1.0}) {
      EXPECT_GRADCHECK(
          [&](const Inputs& x) {
            return distillation_loss(x[0], teacher, target, {.temperature = t, .alpha = alpha});
          },
          input({4, 5}, 3));
    }
  }
}

TEST(DistillationGradcheck, NonContiguousStudent) {
  const Tensor teacher = input({3, 4}, 5).detach();
  EXPECT_GRADCHECK(
      [&](const Inputs& x) {
        return distillation_loss(x[0], teacher, labels({1, 0, 3}), {.temperature = 2.5, .alpha = 0.8});
      },
      transposed_input({3, 4}, 6));
}

TEST(DistillationGradcheck, ThroughTheModule) {
  DistillationLoss loss(DistillationLossOptions{.temperature = 3.0, .alpha = 0.6});
  const Tensor teacher = input({2, 6}, 8).detach();
  EXPECT_GRADCHECK([&](const Inputs& x) { return loss(x[0], teacher, labels({5, 1})); }, input({2, 6}, 9));
}

}  // namespace
}  // namespace strata::nn
