// Gradient checks of nn::Embedding with respect to its weight.
#include "strata/nn/embedding.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using Inputs = std::vector<Tensor>;

Embedding f64_embedding(int64_t num, int64_t dim, std::optional<int64_t> padding_idx = std::nullopt) {
  manual_seed(5);
  Embedding emb(num, dim, padding_idx);
  emb->to(kFloat64);
  return emb;
}

TEST(EmbeddingGradcheck, RepeatedIndices) {
  Embedding emb = f64_embedding(5, 3);
  const Tensor indices = from_vector<int64_t>({1, 4, 1, 1, 0, 4}, {2, 3});
  EXPECT_GRADCHECK([&](const Inputs&) { return emb(indices); }, emb->weight);
  // 0-dim and 1-D indices.
  EXPECT_GRADCHECK([&](const Inputs&) { return emb(from_vector<int64_t>({2}, {})); }, emb->weight);
  EXPECT_GRADCHECK([&](const Inputs&) { return emb(from_vector<int64_t>({3, 3, 0})); }, emb->weight);
}

TEST(EmbeddingGradcheck, PaddingIndex) {
  // The padding row gets no gradient by design, so finite differences agree only when the output at padding
  // positions does not count: masking them out leaves the true gradient of the other rows and zero for it.
  Embedding emb = f64_embedding(5, 3, 2);
  const Tensor indices = from_vector<int64_t>({2, 0, 2, 4, 0, 2}, {3, 2});
  const Tensor at_padding = ops::eq(indices, 2.0).unsqueeze(-1);
  EXPECT_GRADCHECK([&](const Inputs&) { return ops::masked_fill(emb(indices), at_padding, 0.0); },
                   emb->weight);
}

}  // namespace
}  // namespace strata::nn
