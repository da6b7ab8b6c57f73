// Gradient checks of the contrastive losses with respect to the embeddings (and CLIP's logit scale).
#include "strata/nn/contrastive.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;
using testing::strided_input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(ContrastiveGradcheck, NTXentBothViews) {
  for (double t : {0.1, 0.5, 2.0}) {
    EXPECT_GRADCHECK([&](const Inputs& x) { return nt_xent_loss(x[0], x[1], t); }, input({4, 5}, 3),
                     input({4, 5}, 4));
  }
}

TEST(ContrastiveGradcheck, NTXentNonContiguousViews) {
  EXPECT_GRADCHECK([](const Inputs& x) { return nt_xent_loss(x[0], x[1], 0.3); }, transposed_input({3, 4}, 5),
                   strided_input({3, 4}, 6));
}

TEST(ContrastiveGradcheck, ClipEmbeddingsAndScale) {
  EXPECT_GRADCHECK([](const Inputs& x) { return clip_loss(x[0], x[1], x[2]); }, input({5, 3}, 7),
                   input({5, 3}, 8), input({}, 9));
}

TEST(ContrastiveGradcheck, ClipNonContiguous) {
  EXPECT_GRADCHECK([](const Inputs& x) { return clip_loss(x[0], x[1], x[2]); }, transposed_input({4, 6}, 10),
                   strided_input({4, 6}, 11), input({1}, 12));
}

TEST(ContrastiveGradcheck, L2Normalize) {
  EXPECT_GRADCHECK([](const Inputs& x) { return l2_normalize(x[0]); }, input({3, 4}, 13));
}

TEST(ContrastiveGradcheck, ThroughTheModules) {
  NTXentLoss ntx(0.2);
  EXPECT_GRADCHECK([&](const Inputs& x) { return ntx(x[0], x[1]); }, input({3, 2}, 14), input({3, 2}, 15));
  ClipLoss clip(ClipLossOptions{.temperature = 0.5});
  clip->to(kFloat64);
  EXPECT_GRADCHECK([&](const Inputs& x) { return clip(x[0], x[1]); }, input({3, 2}, 16), input({3, 2}, 17));
}

}  // namespace
}  // namespace strata::nn
