// SmoothGrad, SmoothGrad-squared and VarGrad: determinism from the seed, the noise-free limit, errors.
#include "strata/explain/smoothgrad.h"

#include <gtest/gtest.h>

#include "explain/explain_test_util.h"
#include "strata/explain/saliency.h"
#include "test_util.h"

namespace strata {
namespace {

using explain::SmoothGradType;
using testing::error_of;

TEST(SmoothGrad, TheSeedDeterminesTheResult) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({3, 2, 5, 5}, 4).detach();
  const Tensor a = explain::smoothgrad(*net, x, {}, {.n_samples = 10, .seed = 42});
  const Tensor b = explain::smoothgrad(*net, x, {}, {.n_samples = 10, .seed = 42});
  const Tensor c = explain::smoothgrad(*net, x, {}, {.n_samples = 10, .seed = 43});
  EXPECT_TRUE(equal(a, b));
  EXPECT_FALSE(allclose(a, c));
  // The noise is drawn row by row, so the chunk size does not change it.
  const Tensor d = explain::smoothgrad(*net, x, {.internal_batch_size = 7}, {.n_samples = 10, .seed = 42});
  EXPECT_TRUE(allclose(a, d, 1e-12, 1e-14));
}

TEST(SmoothGrad, WithoutNoiseItIsTheGradient) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 4).detach();
  const Tensor g = explain::saliency(*net, x, {}, {.abs = false});
  auto run = [&](SmoothGradType type) {
    return explain::smoothgrad(*net, x, {}, {.n_samples = 3, .noise_level = 0.0, .type = type});
  };
  EXPECT_TRUE(allclose(run(SmoothGradType::SmoothGrad), g, 1e-12, 1e-14));
  EXPECT_TRUE(allclose(run(SmoothGradType::SmoothGradSquared), g * g, 1e-12, 1e-14));
  EXPECT_LT(run(SmoothGradType::VarGrad).abs().max().item(), 1e-14);
}

TEST(SmoothGrad, VarGradIsTheVarianceOfTheNoisyGradients) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 4).detach();
  const explain::SmoothGradOptions o{.n_samples = 8, .noise_level = 0.3, .seed = 5};
  const Tensor mean = explain::smoothgrad(*net, x, {}, o);
  explain::SmoothGradOptions sq = o, var = o;
  sq.type = SmoothGradType::SmoothGradSquared;
  var.type = SmoothGradType::VarGrad;
  EXPECT_TRUE(allclose(explain::smoothgrad(*net, x, {}, var),
                       explain::smoothgrad(*net, x, {}, sq) - mean * mean, 1e-10, 1e-12));
  EXPECT_GE(explain::smoothgrad(*net, x, {}, var).min().item(), -1e-12);
}

TEST(SmoothGrad, Errors) {
  auto net = testing::smooth_classifier();
  const Tensor x = testing::input({2, 2, 5, 5}, 4).detach();
  EXPECT_NE(error_of([&] {
              explain::smoothgrad(*net, x, {}, {.n_samples = 0});
            }).find("smoothgrad: n_samples must be >= 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              explain::smoothgrad(*net, x, {}, {.noise_level = -1});
            }).find("smoothgrad: noise_level must be >= 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] { explain::smoothgrad(*net, x, {.target = {0}}); }).find("smoothgrad: target has 1"),
            std::string::npos);
}

}  // namespace
}  // namespace strata
