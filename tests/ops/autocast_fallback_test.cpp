// Without native bf16 (forced here, so every machine runs this path), autocast leaves matmul, linear and
// conv2d in f32, bit for bit, and says so once on stderr. Its own executable: the notice is once per
// process.
#include <gmock/gmock.h>

#include "kernels/bf16.h"
#include "strata/ops.h"
#include "strata/strata.h"

namespace strata {
namespace {

TEST(AutocastFallback, StaysF32AndNoticesOnce) {
  Generator g(1);
  const Tensor x = randn({4, 8, 10, 10}, {}, &g);
  const Tensor w = randn({16, 8, 3, 3}, {}, &g);
  const Tensor a = randn({12, 30}, {}, &g);
  const Tensor lw = randn({6, 30}, {}, &g);
  const Tensor conv = ops::conv2d(x, w, Tensor(), 1, 1);
  const Tensor lin = ops::linear(a, lw);

  kernels::force_bf16_unsupported(true);
  EXPECT_FALSE(kernels::bf16_supported(kCPU));
  ::testing::internal::CaptureStderr();
  Tensor conv_ac;
  Tensor lin_ac;
  {
    auto guard = autocast(kBFloat16);
    for (int i = 0; i < 3; ++i) {
      conv_ac = ops::conv2d(x, w, Tensor(), 1, 1);
      lin_ac = ops::linear(a, lw);
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  kernels::force_bf16_unsupported(false);

  EXPECT_EQ(conv_ac.to_vector<float>(), conv.to_vector<float>());
  EXPECT_EQ(lin_ac.to_vector<float>(), lin.to_vector<float>());
  EXPECT_THAT(err, ::testing::HasSubstr("autocast(bf16): cpu has no native bf16 arithmetic"));
  EXPECT_EQ(err.find("autocast"), err.rfind("autocast(")) << err;  // printed once
}

}  // namespace
}  // namespace strata
