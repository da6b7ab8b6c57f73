#pragma once
#include <optional>

#include "strata/nn/module.h"

namespace strata::nn {

// A lookup table: i64 indices of any shape -> [..., embedding_dim]; weight ~ N(0, 1) like PyTorch.
// The row at padding_idx starts at zero and receives no gradient.
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};
STRATA_MODULE_HOLDER(Embedding);

}  // namespace strata::nn
