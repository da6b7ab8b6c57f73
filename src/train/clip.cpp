#include "strata/train/clip.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"

namespace strata::train {
namespace {

// The rank (0 = most similar) of column `want` in each row of scores [N, M].
std::vector<int64_t> ranks(const Tensor& scores, const std::vector<int64_t>& want) {
  const Tensor s = scores.contiguous().to(kFloat64);
  const std::vector<double> v = s.to_vector<double>();
  const int64_t n = s.size(0), m = s.size(1);
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double mine = v[static_cast<size_t>(i * m + want[static_cast<size_t>(i)])];
    int64_t above = 0;
    for (int64_t j = 0; j < m; ++j)
      if (v[static_cast<size_t>(i * m + j)] > mine) ++above;
    out[static_cast<size_t>(i)] = above;
  }
  return out;
}

}  // namespace

std::vector<double> clip_train(nn::Module& image_encoder, nn::Module& text_encoder, nn::ClipLossImpl& loss,
                               const Tensor& images, const Tensor& texts,
                               const data::image::RandomTransform& augment, optim::Optimizer& optimizer,
                               const ClipTrainOptions& options) {
  STRATA_CHECK(images.dim() == 4 && is_floating(images.dtype()),
               "clip_train: images must be floating [N, C, H, W], got {} {}", dtype_name(images.dtype()),
               images.shape().str());
  STRATA_CHECK(texts.dim() >= 1 && texts.size(0) == images.size(0),
               "clip_train: texts {} must have one row per image of {}", texts.shape().str(),
               images.shape().str());
  STRATA_CHECK(options.batch_size >= 2 && options.epochs >= 1,
               "clip_train: batch_size ({}) must be at least 2 and epochs ({}) at least 1",
               options.batch_size, options.epochs);
  const int64_t n = images.size(0);
  image_encoder.train();
  text_encoder.train();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(options.seed);
  std::vector<double> epoch_losses;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double total = 0.0;
    int64_t steps = 0;
    for (int64_t start = 0; start + 2 <= n; start += options.batch_size) {
      const int64_t end = std::min(n, start + options.batch_size);
      const std::vector<int64_t> rows(order.begin() + start, order.begin() + end);
      std::vector<Tensor> views;
      views.reserve(rows.size());
      for (int64_t i : rows) {
        Generator g(options.seed * 1000003ULL + static_cast<uint64_t>(epoch) * 7919ULL * 1000003ULL +
                    static_cast<uint64_t>(i));
        views.push_back(augment ? augment(images.select(0, i), g) : images.select(0, i));
      }
      const Tensor idx = from_vector(rows);
      const Tensor value = loss.forward(image_encoder.forward(ops::stack(views, 0)),
                                        text_encoder.forward(ops::index_select(texts, 0, idx)));
      optimizer.zero_grad();
      value.backward();
      optimizer.step();
      total += value.item<double>();
      ++steps;
    }
    epoch_losses.push_back(total / static_cast<double>(std::max<int64_t>(steps, 1)));
    if (options.on_epoch) options.on_epoch(epoch, epoch_losses.back());
  }
  return epoch_losses;
}

Tensor embed(nn::Module& encoder, const Tensor& inputs, int64_t batch_size) {
  STRATA_CHECK(inputs.dim() >= 1 && batch_size >= 1,
               "embed: inputs {} need a batch dim and batch_size {} >= 1", inputs.shape().str(), batch_size);
  NoGradGuard no_grad;
  const bool was_training = encoder.is_training();
  encoder.eval();
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < inputs.size(0); start += batch_size) {
    const int64_t len = std::min(batch_size, inputs.size(0) - start);
    parts.push_back(nn::l2_normalize(encoder.forward(inputs.narrow(0, start, len)).flatten(1)));
  }
  encoder.train(was_training);
  return ops::cat(parts, 0);
}

ZeroShotResult zero_shot_classify(const Tensor& image_embeddings, const Tensor& class_embeddings,
                                  const Tensor& labels) {
  STRATA_CHECK(image_embeddings.dim() == 2 && class_embeddings.dim() == 2 &&
                   image_embeddings.size(1) == class_embeddings.size(1),
               "zero_shot_classify: image embeddings {} and class embeddings {} must be [N, D] and [C, D]",
               image_embeddings.shape().str(), class_embeddings.shape().str());
  STRATA_CHECK(labels.dim() == 1 && labels.size(0) == image_embeddings.size(0),
               "zero_shot_classify: labels {} must be [N] for image embeddings {}", labels.shape().str(),
               image_embeddings.shape().str());
  const int64_t c = class_embeddings.size(0);
  const std::vector<int64_t> y = labels.to_vector<int64_t>();
  for (int64_t label : y)
    STRATA_CHECK(label >= 0 && label < c, "zero_shot_classify: label {} is outside the {} classes", label, c);
  const std::vector<int64_t> r = ranks(
      ops::mm(nn::l2_normalize(image_embeddings), nn::l2_normalize(class_embeddings).transpose(0, 1)), y);
  ZeroShotResult out;
  for (int64_t rank : r) {
    out.top1 += rank < 1 ? 1.0 : 0.0;
    out.top5 += rank < 5 ? 1.0 : 0.0;
  }
  const auto n = static_cast<double>(std::max<size_t>(r.size(), 1));
  out.top1 /= n;
  out.top5 /= n;
  out.chance_top1 = 1.0 / static_cast<double>(c);
  out.chance_top5 = static_cast<double>(std::min<int64_t>(5, c)) / static_cast<double>(c);
  return out;
}

double text_to_image_recall(const Tensor& text_embeddings, const Tensor& image_embeddings, int64_t k) {
  STRATA_CHECK(text_embeddings.dim() == 2 && text_embeddings.shape() == image_embeddings.shape(),
               "text_to_image_recall: text embeddings {} and image embeddings {} must both be [N, D]",
               text_embeddings.shape().str(), image_embeddings.shape().str());
  STRATA_CHECK(k >= 1, "text_to_image_recall: k must be at least 1, got {}", k);
  std::vector<int64_t> own(static_cast<size_t>(text_embeddings.size(0)));
  std::iota(own.begin(), own.end(), 0);
  const std::vector<int64_t> r = ranks(
      ops::mm(nn::l2_normalize(text_embeddings), nn::l2_normalize(image_embeddings).transpose(0, 1)), own);
  double hits = 0.0;
  for (int64_t rank : r) hits += rank < k ? 1.0 : 0.0;
  return hits / static_cast<double>(std::max<size_t>(r.size(), 1));
}

}  // namespace strata::train
