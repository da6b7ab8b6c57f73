#include "strata/models/bag_of_tokens.h"

#include "strata/core/error.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/reduction.h"

namespace strata::models {

BagOfTokensEncoderImpl::BagOfTokensEncoderImpl(int64_t vocab_size, int64_t embedding_dim,
                                               int64_t out_features, int64_t padding_idx)
    : Module("BagOfTokensEncoder"),
      padding_idx(padding_idx),
      embedding(vocab_size, embedding_dim, padding_idx),
      proj(embedding_dim, out_features) {
  register_module("embedding", embedding.ptr());
  register_module("proj", proj.ptr());
}

Tensor BagOfTokensEncoderImpl::forward(const Tensor& tokens) {
  STRATA_CHECK(tokens.dim() == 2 && tokens.dtype() == kInt64,
               "BagOfTokensEncoder: tokens must be i64 [N, L], got {} {}", dtype_name(tokens.dtype()),
               tokens.shape().str());
  const Tensor emb = embedding->forward(tokens);                                          // [N, L, E]
  const Tensor keep = ops::ne(tokens, static_cast<double>(padding_idx)).to(emb.dtype());  // [N, L]
  const Tensor count = ops::clamp(ops::sum(keep, {1}, true), 1.0, std::nullopt);          // [N, 1]
  const Tensor mean = ops::sum(emb * keep.unsqueeze(2), {1}) / count;
  return proj->forward(mean);
}

}  // namespace strata::models
