// CLIP-style training and its evaluations: zero-shot ranking and text-to-image recall on hand-made
// embeddings, and a short run on synthetic paired data that lowers the loss and makes retrieval beat chance.
#include "strata/train/clip.h"

#include "strata/models/bag_of_tokens.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "test_util.h"

namespace strata::train {
namespace {

TEST(Clip, ZeroShotRanksClassesByCosine) {
  // Three classes along the axes; images near their class (two of them scaled: cosine ignores length), but
  // the third, labelled 1, lies nearer class 0.
  const Tensor classes = eye(3);
  const Tensor images =
      from_vector(std::vector<float>{5, 0.1f, 0, 0, 1, 0.2f, 0.3f, 0.1f, 0, 0, 0, 2}, {4, 3});
  const ZeroShotResult r = zero_shot_classify(images, classes, from_vector(std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_DOUBLE_EQ(r.top1, 0.75);  // the third image is nearer class 0
  EXPECT_DOUBLE_EQ(r.top5, 1.0);
  EXPECT_DOUBLE_EQ(r.chance_top1, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.chance_top5, 1.0);
  EXPECT_ERROR_CONTAINS(zero_shot_classify(images, classes, from_vector(std::vector<int64_t>{0, 1, 1, 3})),
                        "zero_shot_classify", "label 3");
}

TEST(Clip, RecallCountsOwnImageAmongTheTopK) {
  const Tensor texts = eye(4);
  // Image 0 and 1 are swapped; 2 and 3 are their own texts.
  const Tensor images =
      from_vector(std::vector<float>{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, {4, 4});
  EXPECT_DOUBLE_EQ(text_to_image_recall(texts, images, 1), 0.5);
  EXPECT_DOUBLE_EQ(text_to_image_recall(texts, images, 2), 1.0);
  EXPECT_ERROR_CONTAINS(text_to_image_recall(texts, images, 0), "text_to_image_recall", "k");
}

TEST(Clip, TrainingAlignsPairedModalities) {
  manual_seed(0);
  // 48 "images" (1x4x4 patterns) paired with token lists that name their pattern's two bright pixels; each
  // pattern occurs three times (i, i + 16, i + 32), so an image's own text ties with two others.
  const int64_t n = 48;
  Generator g(1);
  Tensor images = rand({n, 1, 4, 4}, {}, &g) * 0.2;
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t a = i % 16, b = (i * 7 + 3) % 16;
    images.select(0, i).view({16}).select(0, a).add_(1.0);
    images.select(0, i).view({16}).select(0, b).add_(1.0);
    tokens.insert(tokens.end(), {a + 1, b + 1, 0});
  }
  const Tensor texts = from_vector(tokens, {n, 3});
  nn::Sequential image_tower(nn::Flatten(), nn::Linear(16, 32), nn::ReLU(), nn::Linear(32, 16));
  models::BagOfTokensEncoder text_tower(17, 16, 16);
  nn::ClipLoss loss(nn::ClipLossOptions{.temperature = 0.1});
  std::vector<Tensor> params = image_tower->parameters();
  for (const Tensor& p : text_tower->parameters()) params.push_back(p);
  for (const Tensor& p : loss->parameters()) params.push_back(p);
  optim::Adam adam(params, {.lr = 0.01});
  const double before = text_to_image_recall(embed(*text_tower, texts), embed(*image_tower, images), 3);
  const std::vector<double> losses =
      clip_train(*image_tower, *text_tower, *loss, images, texts, {}, adam, {.epochs = 60, .batch_size = 16});
  EXPECT_LT(losses.back(), losses.front() * 0.5);
  const double after = text_to_image_recall(embed(*text_tower, texts), embed(*image_tower, images), 3);
  EXPECT_GT(after, 0.8);  // chance is 3/48
  EXPECT_GT(after, before);
  EXPECT_ERROR_CONTAINS(clip_train(*image_tower, *text_tower, *loss, images, texts.narrow(0, 0, 5), {}, adam),
                        "clip_train", "[5, 3]");
}

}  // namespace
}  // namespace strata::train
