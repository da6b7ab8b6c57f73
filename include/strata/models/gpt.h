#pragma once
// GPT: a decoder-only Transformer language model laid out as GPT-2 / nanoGPT lay it out, with the same
// parameter names (transformer.wte, transformer.wpe, transformer.h.<i>.{ln_1, attn.c_attn, attn.c_proj,
// ln_2, mlp.c_fc, mlp.c_proj}, transformer.ln_f), so nanoGPT weights load by name. The output head is tied
// to the token embedding (logits = x wte^T): it has no parameter of its own, so state_dict() holds no
// lm_head.weight (nanoGPT's lists the same tensor twice under both names).
//
// Each block is pre-norm: x + attn(ln_1(x)), then x + mlp(ln_2(x)); attention is causal self-attention
// through ops::scaled_dot_product_attention (is_causal), the MLP is Linear(C, 4C) - GELU - Linear(4C, C).
// Initialisation follows GPT-2: every Linear and Embedding weight ~ N(0, 0.02), biases zero, LayerNorms at
// (1, 0), and the residual projections (attn.c_proj, mlp.c_proj) ~ N(0, 0.02 / sqrt(2 * n_layer)).
//
// Generation keeps a KVCache: forward(idx, &cache) appends the new tokens' keys and values to each
// layer's cache and attends the new queries to all of it, positions counting on from the cache's length.
#include <memory>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/text/generation.h"
#include "strata/nn/attention.h"
#include "strata/nn/container.h"
#include "strata/nn/embedding.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"

namespace strata::models {

// The shape of a GPT (nanoGPT's GPTConfig).
struct GPTConfig {
  int64_t vocab_size = 65;   // tokens
  int64_t block_size = 128;  // longest context (learned positions)
  int64_t n_layer = 4;       // blocks
  int64_t n_head = 4;        // attention heads (n_embd must divide by it)
  int64_t n_embd = 128;      // model width
  double dropout = 0.0;      // after the embeddings, on attention weights and on each residual branch
  bool bias = true;          // biases in the Linears and LayerNorms
};

// The keys and values of the tokens a GPT has seen, per layer ([B, n_head, S, head_dim] each); what
// GPTImpl::forward(idx, &cache) attends to and appends to.
struct KVCache {
  std::vector<Tensor> keys, values;  // one per layer; empty until the first forward
  // Tokens held (S); 0 when empty.
  int64_t length() const;
  // Forgets every token.
  void clear();
};

// Multi-head causal self-attention with a fused q/k/v projection (c_attn: C -> 3C) and an output
// projection (c_proj: C -> C). Attention hooks (nn/attention.h) see its weights [B, n_head, T, S].
class CausalSelfAttentionImpl : public nn::Module, public nn::AttentionHooks {
 public:
  explicit CausalSelfAttentionImpl(const GPTConfig& config);
  // [B, T, C] -> [B, T, C], each token attending to itself and the tokens before it.
  Tensor forward(const Tensor& x) override;
  // The same with a cache of earlier keys and values ([B, n_head, S, head_dim]; undefined when empty):
  // the new keys and values are appended to them, and query i (of T) sees keys j <= i + S.
  Tensor forward(const Tensor& x, Tensor& keys, Tensor& values);
  int64_t n_head, n_embd;
  double dropout;
  nn::Linear c_attn, c_proj;
};
STRATA_MODULE_HOLDER(CausalSelfAttention);

// The position-wise feed-forward network: c_fc (C -> 4C), GELU, c_proj (4C -> C), dropout.
class GPTMLPImpl : public nn::Module {
 public:
  explicit GPTMLPImpl(const GPTConfig& config);
  Tensor forward(const Tensor& x) override;
  double dropout;
  nn::Linear c_fc, c_proj;
};
STRATA_MODULE_HOLDER(GPTMLP);

// One pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class GPTBlockImpl : public nn::Module {
 public:
  explicit GPTBlockImpl(const GPTConfig& config);
  Tensor forward(const Tensor& x) override;
  // The same with this block's slice of a KVCache (see CausalSelfAttentionImpl::forward).
  Tensor forward(const Tensor& x, Tensor& keys, Tensor& values);
  nn::LayerNorm ln_1;
  CausalSelfAttention attn;
  nn::LayerNorm ln_2;
  GPTMLP mlp;
};
STRATA_MODULE_HOLDER(GPTBlock);

// Sampling settings of GPTImpl::generate (temperature, top_k, top_p of data::text::sample_token).
using GPTSampling = data::text::SamplingOptions;

class GPTImpl : public nn::Module {
 public:
  explicit GPTImpl(const GPTConfig& config = {});
  // Token ids [B, T] (i64, T <= block_size) -> next-token logits [B, T, vocab_size].
  Tensor forward(const Tensor& idx) override;
  // The same, continuing the sequences held by `cache` (null: none): positions start at cache->length(),
  // the new keys and values are appended, and the new tokens attend to every cached one. The cache and
  // the new tokens together must fit block_size.
  Tensor forward(const Tensor& idx, KVCache* cache);
  // Appends `count` tokens sampled one at a time to the prompt ids (B = 1) and returns the new ones. Runs
  // in eval mode without gradients through a KVCache, so each new token costs one position's work. The
  // context is read through a window of at most block_size tokens (learned positions cannot slide): when
  // the next token would overflow it, the window jumps to the last block_size / 2 tokens and the cache is
  // rebuilt from them in one forward; a prompt longer than block_size starts with its last block_size.
  std::vector<int64_t> generate(const std::vector<int64_t>& prompt, int64_t count,
                                const GPTSampling& sampling, Generator& generator);
  // The same tokens through the same windows without the cache: the whole window runs again for every
  // token. The reference the cached path is checked and measured against.
  std::vector<int64_t> generate_uncached(const std::vector<int64_t>& prompt, int64_t count,
                                         const GPTSampling& sampling, Generator& generator);
  std::string extra_repr() const override;

  GPTConfig config;
  nn::ModuleDict transformer;  // wte, wpe, h (a ModuleList of GPTBlocks), ln_f
  nn::Embedding wte, wpe;      // token and position embeddings (also reachable through `transformer`)
  nn::ModuleList h;
  nn::LayerNorm ln_f;

 private:
  // generate (cached) and generate_uncached: one sampling loop over the same windows.
  std::vector<int64_t> sample(const std::vector<int64_t>& prompt, int64_t count, const GPTSampling& sampling,
                              Generator& generator, bool cached);
};
STRATA_MODULE_HOLDER(GPT);

// A GPT of the given shape, initialised GPT-2 style.
GPT gpt(const GPTConfig& config = {});

}  // namespace strata::models
