#include "strata/nn/embedding.h"

#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::nn {

EmbeddingImpl::EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim,
                             std::optional<int64_t> padding_idx)
    : Module("Embedding"), num_embeddings(num_embeddings), embedding_dim(embedding_dim) {
  STRATA_CHECK(num_embeddings > 0 && embedding_dim > 0,
               "Embedding: num_embeddings and embedding_dim must be positive, got {} and {}", num_embeddings,
               embedding_dim);
  if (padding_idx) {
    const int64_t p = *padding_idx;
    STRATA_CHECK(p >= -num_embeddings && p < num_embeddings,
                 "Embedding: padding_idx {} is out of range for num_embeddings={}", p, num_embeddings);
    // Negative indices count from the end, as in PyTorch.
    this->padding_idx = p < 0 ? p + num_embeddings : p;
  }
  weight = register_parameter("weight", empty({num_embeddings, embedding_dim}));
  init::normal_(weight);
  if (this->padding_idx) {
    NoGradGuard no_grad;
    weight.select(0, *this->padding_idx).zero_();
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  STRATA_CHECK(indices.defined(), "Embedding: indices are undefined");
  STRATA_CHECK(indices.dtype() == kInt64, "Embedding: indices must be i64, got {} of shape {}",
               dtype_name(indices.dtype()), indices.shape().str());
  // Checked here (one pass on the host) so the message names the layer and the first bad index.
  const Tensor host = indices.device() == kCPU ? indices : indices.to(kCPU);
  const std::vector<int64_t> values = host.to_vector<int64_t>();
  for (size_t i = 0; i < values.size(); ++i) {
    STRATA_CHECK(values[i] >= 0 && values[i] < num_embeddings,
                 "Embedding: index {} (at flat position {} of indices of shape {}) is out of range for "
                 "num_embeddings={}",
                 values[i], i, indices.shape().str(), num_embeddings);
  }
  if (!padding_idx) return ops::embedding(indices, weight);

  // Same lookup, but the padding row gets no gradient: positions that look it up are masked out of the
  // gradient before it is scattered back (written with ops, so it runs on any device and
  // twice-differentiates).
  Tensor out;
  {
    NoGradGuard no_grad;
    out = ops::embedding(indices, weight);
  }
  const Tensor flat = indices.reshape({indices.numel()});
  return autograd::record(
      "embedding", out, {weight},
      [flat, pad = *padding_idx, ws = weight.shape()](const Tensor& g) -> autograd::Grads {
        const Tensor rows = ops::masked_fill(g.reshape({flat.numel(), ws[1]}),
                                             ops::eq(flat, static_cast<double>(pad)).unsqueeze(1), 0.0);
        return {ops::index_add(zeros(ws, {.dtype = g.dtype(), .device = g.device()}), 0, flat, rows)};
      });
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", num_embeddings, embedding_dim);
  if (padding_idx) s += fmt::format(", padding_idx={}", *padding_idx);
  return s;
}

}  // namespace strata::nn
