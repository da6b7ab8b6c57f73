// Unit tests of the contrastive losses: values on hand-made cases, the modules' parameters, bad input.
#include "strata/nn/contrastive.h"

#include "test_util.h"

namespace strata::nn {
namespace {

using testing::input;

TEST(Contrastive, L2NormalizeGivesUnitRowsAndKeepsZeroRowsFinite) {
  const Tensor x = from_vector(std::vector<double>{3, 4, 0, 0}, {2, 2});
  EXPECT_EQ(l2_normalize(x).to_vector<double>(), (std::vector<double>{0.6, 0.8, 0, 0}));
}

TEST(Contrastive, NTXentIsLowWhenViewsMatchAndSamplesDiffer) {
  // Orthogonal samples whose views agree: each row's positive has cosine 1, every negative 0.
  const Tensor z = eye(4, -1, {.dtype = kFloat64});
  const double t = 0.5;
  const double want = -std::log(std::exp(1 / t) / (std::exp(1 / t) + 6.0));
  EXPECT_NEAR(nt_xent_loss(z, z, t).item<double>(), want, 1e-12);
  // Swapping the second view's rows breaks the pairing and raises the loss.
  const Tensor shuffled = ops::cat({z.slice(0, 1, 4), z.slice(0, 0, 1)}, 0);
  EXPECT_GT(nt_xent_loss(z, shuffled, t).item<double>(), 2.0);
}

TEST(Contrastive, ClipIsSymmetricAndScaleSharpens) {
  const Tensor a = input({5, 3}, 1).detach(), b = input({5, 3}, 2).detach();
  const Tensor s = scalar_tensor(1.0, {.dtype = kFloat64});
  EXPECT_NEAR(clip_loss(a, b, s).item<double>(), clip_loss(b, a, s).item<double>(), 1e-12);
  const Tensor hi = scalar_tensor(4.0, {.dtype = kFloat64});
  EXPECT_LT(clip_loss(a, a, hi).item<double>(), clip_loss(a, a, s).item<double>());
  EXPECT_EQ(clip_logits(a, b, s).shape(), (Shape{5, 5}));
}

TEST(Contrastive, ClipLossOwnsALearnableClampedScale) {
  ClipLoss loss(ClipLossOptions{.temperature = 0.07});
  const auto params = loss->named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "logit_scale");
  EXPECT_NEAR(loss->logit_scale.item<double>(), std::log(1 / 0.07), 1e-6);
  ClipLoss fixed(ClipLossOptions{.temperature = 0.001, .learn_temperature = false});
  EXPECT_FALSE(fixed->logit_scale.requires_grad());
  EXPECT_NEAR(fixed->scale().item<double>(), 4.6052, 1e-4);
  EXPECT_NE(fixed->extra_repr().find("temperature=0.001"), std::string::npos);
}

TEST(Contrastive, BadInputNamesTheLossAndShapes) {
  const Tensor a = input({4, 3}).detach();
  EXPECT_ERROR_CONTAINS(nt_xent_loss(a, input({4, 2}).detach()), "nt_xent_loss", "[4, 3]", "[4, 2]");
  EXPECT_ERROR_CONTAINS(nt_xent_loss(a.slice(0, 0, 1), a.slice(0, 0, 1)), "nt_xent_loss", "at least 2");
  EXPECT_ERROR_CONTAINS(nt_xent_loss(a, a, 0.0), "nt_xent_loss", "temperature");
  EXPECT_ERROR_CONTAINS(NTXentLoss(-1.0), "NTXentLoss", "temperature");
  EXPECT_ERROR_CONTAINS(NTXentLoss()->forward(a), "NTXentLoss", "two views");
  EXPECT_ERROR_CONTAINS(clip_loss(a, input({3, 3}).detach(), scalar_tensor(1.0)), "clip_loss", "[4, 3]",
                        "[3, 3]");
  EXPECT_ERROR_CONTAINS(clip_loss(a, a, zeros({2})), "clip_loss", "logit_scale");
  EXPECT_ERROR_CONTAINS(ClipLoss()->forward(a), "ClipLoss", "image_embeddings");
  EXPECT_ERROR_CONTAINS(l2_normalize(zeros({3})), "l2_normalize", "[3]");
}

}  // namespace
}  // namespace strata::nn
