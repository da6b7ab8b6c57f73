#include "strata/nn/contrastive.h"

#include <cmath>
#include <limits>
#include <vector>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"

namespace strata::nn {

Tensor l2_normalize(const Tensor& x, double eps) {
  STRATA_CHECK(x.defined() && x.dim() == 2, "l2_normalize: input must be [N, D], got {}",
               x.defined() ? x.shape().str() : std::string("undefined"));
  // x / max(||x||, eps): the clamp keeps zero rows finite, as in F.normalize.
  return x / ops::clamp(ops::norm(x, 2.0, {1}, true), eps, std::nullopt);
}

Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature) {
  STRATA_CHECK(temperature > 0.0, "nt_xent_loss: temperature must be positive, got {}", temperature);
  STRATA_CHECK(z1.defined() && z2.defined(), "nt_xent_loss: both views must be given");
  STRATA_CHECK(z1.dim() == 2 && z1.shape() == z2.shape(),
               "nt_xent_loss: views {} and {} must both be [N, D] of one shape", z1.shape().str(),
               z2.shape().str());
  const int64_t n = z1.size(0);
  STRATA_CHECK(n >= 2, "nt_xent_loss: needs at least 2 samples (one positive and negatives), got views {}",
               z1.shape().str());
  const Tensor z = l2_normalize(ops::cat({z1, z2}, 0));  // [2N, D]
  const Tensor sim = ops::mm(z, z.transpose(0, 1)) / temperature;
  // A sample is never its own negative: -inf on the diagonal drops it from the softmax (and its gradient).
  const Tensor self = eye(2 * n, -1, {.dtype = kUInt8});
  const Tensor logits = ops::masked_fill(sim, self, -std::numeric_limits<double>::infinity());
  // Row i's positive is row i + N (first view) or i - N (second view).
  std::vector<int64_t> positive(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < 2 * n; ++i) positive[static_cast<size_t>(i)] = i < n ? i + n : i - n;
  const Tensor target = from_vector(positive);
  return ops::cross_entropy(logits, target);
}

Tensor clip_logits(const Tensor& image_embeddings, const Tensor& text_embeddings, const Tensor& logit_scale) {
  STRATA_CHECK(image_embeddings.defined() && text_embeddings.defined() && logit_scale.defined(),
               "clip_loss: image embeddings, text embeddings and logit_scale must all be given");
  STRATA_CHECK(image_embeddings.dim() == 2 && image_embeddings.shape() == text_embeddings.shape(),
               "clip_loss: image embeddings {} and text embeddings {} must both be [N, D] of one shape",
               image_embeddings.shape().str(), text_embeddings.shape().str());
  STRATA_CHECK(logit_scale.numel() == 1, "clip_loss: logit_scale must be a scalar, got {}",
               logit_scale.shape().str());
  const Tensor img = l2_normalize(image_embeddings);
  const Tensor txt = l2_normalize(text_embeddings);
  return ops::mm(img, txt.transpose(0, 1)) * ops::exp(logit_scale.reshape({}).to(img.dtype()));
}

Tensor clip_loss(const Tensor& image_embeddings, const Tensor& text_embeddings, const Tensor& logit_scale) {
  const Tensor logits = clip_logits(image_embeddings, text_embeddings, logit_scale);
  const Tensor target = arange(static_cast<double>(logits.size(0)), {.dtype = kInt64});
  return (ops::cross_entropy(logits, target) + ops::cross_entropy(logits.transpose(0, 1), target)) * 0.5;
}

NTXentLossImpl::NTXentLossImpl(double temperature) : Module("NTXentLoss"), temperature(temperature) {
  STRATA_CHECK(temperature > 0.0, "NTXentLoss: temperature must be positive, got {}", temperature);
}

Tensor NTXentLossImpl::forward(const Tensor& z1, const Tensor& z2) {
  return nt_xent_loss(z1, z2, temperature);
}

Tensor NTXentLossImpl::forward(const Tensor&) { STRATA_FAIL("NTXentLoss: forward needs two views (z1, z2)"); }

std::string NTXentLossImpl::extra_repr() const { return fmt::format("temperature={}", temperature); }

ClipLossImpl::ClipLossImpl(ClipLossOptions options) : Module("ClipLoss"), options(options) {
  STRATA_CHECK(options.temperature > 0.0, "ClipLoss: temperature must be positive, got {}",
               options.temperature);
  logit_scale = register_parameter("logit_scale", scalar_tensor(std::log(1.0 / options.temperature)),
                                   options.learn_temperature);
}

Tensor ClipLossImpl::scale() const { return ops::clamp(logit_scale, std::nullopt, options.max_logit_scale); }

Tensor ClipLossImpl::forward(const Tensor& image_embeddings, const Tensor& text_embeddings) {
  return clip_loss(image_embeddings, text_embeddings, scale());
}

Tensor ClipLossImpl::forward(const Tensor&) {
  STRATA_FAIL("ClipLoss: forward needs (image_embeddings, text_embeddings)");
}

std::string ClipLossImpl::extra_repr() const {
  return fmt::format("temperature={}, learn_temperature={}", options.temperature, options.learn_temperature);
}

}  // namespace strata::nn
