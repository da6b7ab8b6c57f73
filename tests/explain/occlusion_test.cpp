// Occlusion: exact on a linear model, window and stride checks.
#include "strata/explain/occlusion.h"

#include <gtest/gtest.h>

#include "explain/explain_test_util.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::error_of;

TEST(Occlusion, OneElementWindowsOnALinearModelGiveWeightTimesDifference) {
  // Occluding x_i by the baseline b lowers w.x by w_i (x_i - b).
  manual_seed(0);
  auto net = nn::Sequential(nn::Flatten(), nn::Linear(12, 3)).ptr();
  net->to(kFloat64);
  auto* linear = dynamic_cast<nn::LinearImpl*>(net->named_children()[1].second.get());
  const Tensor x = testing::input({2, 3, 4}, 8).detach();
  const Tensor attr = explain::occlusion(*net, x, {.target = {2, 0}, .internal_batch_size = 5},
                                         {.window = {1, 1}, .baseline = 0.5});
  const Tensor w = linear->weight;
  for (int64_t i = 0; i < 2; ++i) {
    const Tensor want = (w.select(0, i == 0 ? 2 : 0).reshape({3, 4})) * (x.select(0, i) - 0.5);
    EXPECT_TRUE(allclose(attr.select(0, i), want, 1e-12, 1e-14)) << i;
  }
}

TEST(Occlusion, Errors) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 4).detach();
  EXPECT_NE(
      error_of([&] {
        explain::occlusion(*net, x, {}, {.window = {2, 6, 3}});
      }).find("occlusion: the window [2, 6, 3] is larger than an example [2, 5, 5] (input [2, 2, 5, 5])"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::occlusion(*net, x, {}, {.window = {3, 3}});
            }).find("occlusion: the window [3, 3] must give one extent per dim of an example [2, 5, 5]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::occlusion(*net, x, {}, {.window = {1, 3, 3}, .strides = {1, 1}});
            }).find("strides [1, 1] must give one step per dim"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::occlusion(*net, x, {}, {.window = {1, 3, 3}, .strides = {0}});
            }).find("must be positive"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::occlusion(*net, x, {.target = {9, 9}}, {.window = {1, 3, 3}});
            }).find("target[0] = 9 is not a class"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
