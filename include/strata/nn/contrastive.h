#pragma once
// Contrastive losses that pull matched pairs of embeddings together and push every other pair apart.
//   NT-Xent (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual Representations",
//   SimCLR): for two views z1, z2 [N, D] of N samples, the 2N L2-normalised embeddings score each other by
//   cosine similarity / temperature; each row's positive is its other view, the other 2N - 2 rows are its
//   negatives, and the loss is the cross-entropy over each row (self-similarity excluded), averaged over 2N.
//   CLIP (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language Supervision"):
//   for N (image, text) pairs, logits = exp(logit_scale) * normalise(image) @ normalise(text)^T [N, N]; the
//   loss is the mean of the image->text and text->image cross-entropies with the diagonal as targets.
#include "strata/nn/module.h"

namespace strata::nn {

// Rows of x [N, D] scaled to unit L2 norm (PyTorch's F.normalize(x, dim=1, eps)).
Tensor l2_normalize(const Tensor& x, double eps = 1e-12);

// The NT-Xent loss of two views z1, z2 [N, D] (row i of z1 and row i of z2 are a positive pair), N >= 2.
Tensor nt_xent_loss(const Tensor& z1, const Tensor& z2, double temperature = 0.5);

// The symmetric CLIP loss of paired image and text embeddings [N, D]; logit_scale is a scalar tensor (the
// log of the inverse temperature, trainable in CLIP).
Tensor clip_loss(const Tensor& image_embeddings, const Tensor& text_embeddings, const Tensor& logit_scale);

// The [N, N] image-to-text logits exp(logit_scale) * normalise(image) @ normalise(text)^T.
Tensor clip_logits(const Tensor& image_embeddings, const Tensor& text_embeddings, const Tensor& logit_scale);

// nt_xent_loss as a module: forward(z1, z2).
class NTXentLossImpl : public Module {
 public:
  explicit NTXentLossImpl(double temperature = 0.5);
  Tensor forward(const Tensor& z1, const Tensor& z2);
  Tensor forward(const Tensor& input) override;  // throws: the loss needs two views
  std::string extra_repr() const override;
  double temperature;
};
STRATA_MODULE_HOLDER(NTXentLoss);

struct ClipLossOptions {
  double temperature = 0.07;        // initial temperature; logit_scale starts at log(1 / temperature)
  bool learn_temperature = true;    // whether logit_scale is a trained parameter
  double max_logit_scale = 4.6052;  // logit_scale is clamped to at most this (log 100, as in CLIP)
};

// clip_loss as a module that owns the parameter `logit_scale`: forward(image_embeddings, text_embeddings).
class ClipLossImpl : public Module {
 public:
  explicit ClipLossImpl(ClipLossOptions options = {});
  Tensor forward(const Tensor& image_embeddings, const Tensor& text_embeddings);
  Tensor forward(const Tensor& input) override;  // throws: the loss needs image and text embeddings
  // The logit scale in use: logit_scale clamped to max_logit_scale.
  Tensor scale() const;
  std::string extra_repr() const override;
  ClipLossOptions options;
  Tensor logit_scale;
};
STRATA_MODULE_HOLDER(ClipLoss);

}  // namespace strata::nn
