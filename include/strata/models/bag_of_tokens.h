#pragma once
// A bag-of-tokens text encoder: token ids [N, L] (i64, padding_idx marks unused places) -> the mean of the
// tokens' embeddings -> a linear projection [N, out_features]. Order-free, so it suits short keyword lists
// (emoji names) and is the text tower of the cross-modal model in docs/self_supervised.md.
#include "strata/nn/embedding.h"
#include "strata/nn/linear.h"

namespace strata::models {

class BagOfTokensEncoderImpl : public nn::Module {
 public:
  BagOfTokensEncoderImpl(int64_t vocab_size, int64_t embedding_dim, int64_t out_features,
                         int64_t padding_idx = 0);
  // Token ids [N, L] -> [N, out_features]; a row of padding only gives the projection's bias.
  Tensor forward(const Tensor& tokens) override;
  int64_t padding_idx;
  nn::Embedding embedding;
  nn::Linear proj;
};
STRATA_MODULE_HOLDER(BagOfTokensEncoder);

}  // namespace strata::models
