// The bag-of-tokens text encoder: padding is ignored, word order does not matter, gradients reach the
// embeddings of the tokens used.
#include "strata/models/bag_of_tokens.h"

#include "test_util.h"

namespace strata::models {
namespace {

TEST(BagOfTokensEncoder, MeansTheTokensIgnoringPaddingAndOrder) {
  manual_seed(0);
  BagOfTokensEncoder enc(10, 4, 3);
  const Tensor a = from_vector(std::vector<int64_t>{2, 5, 0, 0, 5, 2, 0, 0, 2, 5, 5, 2}, {3, 4});
  const Tensor out = enc(a);
  EXPECT_EQ(out.shape(), (Shape{3, 3}));
  EXPECT_TRUE(allclose(out.select(0, 0), out.select(0, 1)));  // order-free
  EXPECT_TRUE(allclose(out.select(0, 0), out.select(0, 2)));  // padding ignored: the same mean
  const Tensor only_padding = enc(zeros({1, 4}, {.dtype = kInt64}));
  EXPECT_TRUE(allclose(only_padding.select(0, 0), enc->proj->bias));
  const auto names = enc->named_parameters();
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].first, "embedding.weight");
  EXPECT_EQ(names[1].first, "proj.weight");
}

TEST(BagOfTokensEncoder, GradientsReachTheUsedEmbeddings) {
  manual_seed(1);
  BagOfTokensEncoder enc(6, 3, 2);
  ops::sum(enc(from_vector(std::vector<int64_t>{1, 3, 0}, {1, 3}))).backward();
  const Tensor g = enc->embedding->weight.grad();
  const Tensor row_norm = ops::sum(ops::abs(g), {1});
  const std::vector<float> r = row_norm.to_vector<float>();
  EXPECT_EQ(r[0], 0.0f);  // padding
  EXPECT_GT(r[1], 0.0f);
  EXPECT_EQ(r[2], 0.0f);  // unused
  EXPECT_GT(r[3], 0.0f);
}

TEST(BagOfTokensEncoder, BadTokensNameTheEncoder) {
  BagOfTokensEncoder enc(6, 3, 2);
  EXPECT_ERROR_CONTAINS(enc(zeros({2, 3})), "BagOfTokensEncoder", "i64");
  EXPECT_ERROR_CONTAINS(enc(zeros({3}, {.dtype = kInt64})), "BagOfTokensEncoder", "[3]");
}

}  // namespace
}  // namespace strata::models
