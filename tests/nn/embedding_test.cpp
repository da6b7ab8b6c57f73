#include "strata/nn/embedding.h"

#include <sstream>

#include "test_util.h"

namespace strata::nn {
namespace {

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Embedding, LooksUpRowsOfAnyIndexShape) {
  Embedding emb(4, 3);
  EXPECT_EQ(emb->weight.shape(), (Shape{4, 3}));
  EXPECT_TRUE(emb->weight.requires_grad());
  const Tensor out = emb(from_vector<int64_t>({3, 0, 3, 1, 2, 2}, {2, 3}));
  EXPECT_EQ(out.shape(), (Shape{2, 3, 3}));
  EXPECT_TRUE(equal(out.select(0, 0).select(0, 0), emb->weight.select(0, 3)));
  EXPECT_TRUE(equal(out.select(0, 1).select(0, 2), emb->weight.select(0, 2)));
  EXPECT_EQ(emb(from_vector<int64_t>({1}, {})).shape(), (Shape{3}));
  EXPECT_EQ(emb(zeros({0}, {.dtype = kInt64})).shape(), (Shape{0, 3}));
}

TEST(Embedding, RepeatedIndicesAccumulateGradients) {
  Embedding emb(3, 2);
  emb(from_vector<int64_t>({1, 1, 0, 1})).sum().backward();
  EXPECT_EQ(emb->weight.grad().to_vector<float>(), (std::vector<float>{1, 1, 3, 3, 0, 0}));
}

TEST(Embedding, PaddingRowStartsAtZeroAndGetsNoGradient) {
  manual_seed(2);
  Embedding emb(4, 3, 1);
  EXPECT_EQ(emb->padding_idx, 1);
  for (float v : emb->weight.select(0, 1).to_vector<float>()) EXPECT_EQ(v, 0.0f);
  // Even a nonzero padding row is looked up as it is, but no gradient reaches it.
  {
    NoGradGuard no_grad;
    emb->weight.select(0, 1).fill_(2.0);
  }
  const Tensor out = emb(from_vector<int64_t>({1, 2, 1}));
  EXPECT_EQ(out.select(0, 0).to_vector<float>(), (std::vector<float>{2, 2, 2}));
  (out * 3.0).sum().backward();
  EXPECT_EQ(emb->weight.grad().to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 0, 0, 3, 3, 3, 0, 0, 0}));
  // Negative padding indices count from the end.
  Embedding last(5, 2, -1);
  EXPECT_EQ(last->padding_idx, 4);
  for (float v : last->weight.select(0, 4).to_vector<float>()) EXPECT_EQ(v, 0.0f);
}

TEST(Embedding, WeightIsStandardNormal) {
  manual_seed(4);
  Embedding emb(500, 40);
  EXPECT_NEAR(emb->weight.mean().item(), 0.0, 0.02);
  EXPECT_NEAR(ops::std(emb->weight).item(), 1.0, 0.02);
}

TEST(Embedding, WorksInFloat64AndWithoutGrad) {
  Embedding emb(3, 2, 0);
  emb->to(kFloat64);
  EXPECT_EQ(emb(from_vector<int64_t>({2, 0})).dtype(), kFloat64);
  NoGradGuard no_grad;
  EXPECT_FALSE(emb(from_vector<int64_t>({2, 0})).requires_grad());
}

TEST(Embedding, PrintsLikePyTorch) {
  std::ostringstream a, b;
  a << *Embedding(10, 3).ptr();
  b << *Embedding(10, 3, 0).ptr();
  EXPECT_EQ(a.str(), "Embedding(10, 3)");
  EXPECT_EQ(b.str(), "Embedding(10, 3, padding_idx=0)");
}

TEST(Embedding, BadIndicesAndArgumentsRaiseClearErrors) {
  Embedding emb(5, 2);
  EXPECT_EQ(
      error_of([&] {
        emb(from_vector<int64_t>({0, 7, 1}, {3}));
      }),
      "Embedding: index 7 (at flat position 1 of indices of shape [3]) is out of range for num_embeddings=5");
  EXPECT_EQ(error_of([&] {
              emb(from_vector<int64_t>({0, 1, 2, -1}, {2, 2}));
            }),
            "Embedding: index -1 (at flat position 3 of indices of shape [2, 2]) is out of range for "
            "num_embeddings=5");
  EXPECT_EQ(error_of([&] { emb(zeros({2})); }), "Embedding: indices must be i64, got f32 of shape [2]");
  EXPECT_EQ(error_of([] { Embedding(5, 2, 5); }),
            "Embedding: padding_idx 5 is out of range for num_embeddings=5");
  EXPECT_EQ(error_of([] { Embedding(5, 2, -6); }),
            "Embedding: padding_idx -6 is out of range for num_embeddings=5");
  EXPECT_EQ(error_of([] { Embedding(0, 2); }),
            "Embedding: num_embeddings and embedding_dim must be positive, got 0 and 2");
}

}  // namespace
}  // namespace strata::nn
