#include "strata/models/gpt.h"

#include <algorithm>
#include <cmath>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/activation.h"
#include "strata/ops/attention.h"
#include "strata/ops/dropout.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/softmax.h"
#include "strata/ops/view.h"

namespace strata::models {
namespace {

void check_config(const GPTConfig& c) {
  STRATA_CHECK(
      c.vocab_size > 0 && c.block_size > 0 && c.n_layer > 0 && c.n_head > 0 && c.n_embd > 0,
      "GPT: vocab_size, block_size, n_layer, n_head and n_embd must be positive, got {}, {}, {}, {}, {}",
      c.vocab_size, c.block_size, c.n_layer, c.n_head, c.n_embd);
  STRATA_CHECK(c.n_embd % c.n_head == 0, "GPT: n_embd ({}) must be divisible by n_head ({})", c.n_embd,
               c.n_head);
  STRATA_CHECK(c.dropout >= 0 && c.dropout < 1, "GPT: dropout must be in [0, 1), got {}", c.dropout);
}

// [B, T, C] -> [B, n_head, T, C / n_head] (a view).
Tensor split_heads(const Tensor& x, int64_t n_head) {
  const int64_t b = x.size(0), t = x.size(1), c = x.size(2);
  return x.view({b, t, n_head, c / n_head}).transpose(1, 2);
}

}  // namespace

int64_t KVCache::length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }

void KVCache::clear() {
  keys.clear();
  values.clear();
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GPTConfig& config)
    : nn::Module("CausalSelfAttention"),
      n_head(config.n_head),
      n_embd(config.n_embd),
      dropout(config.dropout),
      c_attn(config.n_embd, 3 * config.n_embd, config.bias),
      c_proj(config.n_embd, config.n_embd, config.bias) {
  register_module("c_attn", c_attn.ptr());
  register_module("c_proj", c_proj.ptr());
}

Tensor CausalSelfAttentionImpl::forward(const Tensor& x) {
  Tensor keys, values;
  return forward(x, keys, values);
}

Tensor CausalSelfAttentionImpl::forward(const Tensor& x, Tensor& keys, Tensor& values) {
  STRATA_CHECK(x.defined() && x.dim() == 3 && x.size(2) == n_embd,
               "CausalSelfAttention: expected input [B, T, {}], got {}", n_embd,
               x.defined() ? x.shape().str() : "undefined");
  const int64_t b = x.size(0), t = x.size(1);
  const std::vector<Tensor> qkv = ops::split(c_attn(x), n_embd, 2);
  const Tensor q = split_heads(qkv[0], n_head);
  Tensor k = split_heads(qkv[1], n_head), v = split_heads(qkv[2], n_head);
  if (keys.defined()) {
    STRATA_CHECK(keys.dim() == 4 && keys.size(0) == b && keys.size(1) == n_head &&
                     keys.size(3) == n_embd / n_head && values.defined() && values.shape() == keys.shape(),
                 "CausalSelfAttention: cached keys {} and values {} do not fit input {} with {} heads",
                 keys.shape().str(), values.defined() ? values.shape().str() : "undefined", x.shape().str(),
                 n_head);
    k = ops::cat({keys, k}, 2);
    v = ops::cat({values, v}, 2);
  }
  keys = k;
  values = v;
  // is_causal aligns the T queries with the last T keys: query i sees the cache and new keys j <= i.
  const double p_drop = is_training() ? dropout : 0.0;
  Tensor y;
  if (has_attention_hooks()) {
    // The hooks need the weights, so they are materialised: softmax(q k^T / sqrt(d) + causal mask).
    const Tensor scores =
        ops::matmul(ops::mul(q, 1.0 / std::sqrt(static_cast<double>(q.size(3)))), ops::transpose(k, -2, -1));
    Tensor p = ops::softmax(scores + nn::causal_mask(t, k.size(2), scores.dtype(), scores.device()), -1);
    if (p_drop > 0.0) p = ops::dropout(p, p_drop, true);
    run_attention_hooks(*this, p);
    y = ops::matmul(p, v);
  } else {
    y = ops::scaled_dot_product_attention(q, k, v, {}, p_drop, true);
  }
  const Tensor merged = y.transpose(1, 2).reshape({b, t, n_embd});
  return ops::dropout(c_proj(merged), dropout, is_training());
}

GPTMLPImpl::GPTMLPImpl(const GPTConfig& config)
    : nn::Module("MLP"),
      dropout(config.dropout),
      c_fc(config.n_embd, 4 * config.n_embd, config.bias),
      c_proj(4 * config.n_embd, config.n_embd, config.bias) {
  register_module("c_fc", c_fc.ptr());
  register_module("c_proj", c_proj.ptr());
}

Tensor GPTMLPImpl::forward(const Tensor& x) {
  return ops::dropout(c_proj(ops::gelu(c_fc(x))), dropout, is_training());
}

GPTBlockImpl::GPTBlockImpl(const GPTConfig& config)
    : nn::Module("Block"),
      ln_1(Shape{config.n_embd}, 1e-5, true, config.bias),
      attn(config),
      ln_2(Shape{config.n_embd}, 1e-5, true, config.bias),
      mlp(config) {
  register_module("ln_1", ln_1.ptr());
  register_module("attn", attn.ptr());
  register_module("ln_2", ln_2.ptr());
  register_module("mlp", mlp.ptr());
}

Tensor GPTBlockImpl::forward(const Tensor& x) {
  Tensor keys, values;
  return forward(x, keys, values);
}

Tensor GPTBlockImpl::forward(const Tensor& x, Tensor& keys, Tensor& values) {
  const Tensor y = x + attn->forward(ln_1(x), keys, values);
  return y + mlp(ln_2(y));
}

GPTImpl::GPTImpl(const GPTConfig& config)
    : nn::Module("GPT"),
      config((check_config(config), config)),
      wte(config.vocab_size, config.n_embd),
      wpe(config.block_size, config.n_embd),
      ln_f(Shape{config.n_embd}, 1e-5, true, config.bias) {
  for (int64_t i = 0; i < config.n_layer; ++i) h->push_back(GPTBlock(config).ptr());
  transformer->insert("wte", wte.ptr());
  transformer->insert("wpe", wpe.ptr());
  transformer->insert("h", h.ptr());
  transformer->insert("ln_f", ln_f.ptr());
  register_module("transformer", transformer.ptr());
  // GPT-2 initialisation; the residual projections shrink with depth so the residual stream's variance
  // does not grow with n_layer.
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (auto& [name, module] : named_modules()) {
    if (auto linear = std::dynamic_pointer_cast<nn::LinearImpl>(module)) {
      const bool residual = name.ends_with("c_proj");
      nn::init::normal_(linear->weight, 0.0, residual ? residual_std : 0.02);
      if (linear->bias.defined()) nn::init::zeros_(linear->bias);
    } else if (auto embedding = std::dynamic_pointer_cast<nn::EmbeddingImpl>(module)) {
      nn::init::normal_(embedding->weight, 0.0, 0.02);
    }
  }
}

Tensor GPTImpl::forward(const Tensor& idx) { return forward(idx, nullptr); }

Tensor GPTImpl::forward(const Tensor& idx, KVCache* cache) {
  STRATA_CHECK(
      idx.defined() && idx.dim() == 2 && idx.dtype() == kInt64,
      "GPT: expected token ids [B, T] of dtype i64, got {}",
      idx.defined() ? fmt::format("{} {}", dtype_name(idx.dtype()), idx.shape().str()) : "undefined");
  const int64_t t = idx.size(1);
  const int64_t past = cache != nullptr ? cache->length() : 0;
  STRATA_CHECK(t > 0 && past + t <= config.block_size,
               "GPT: {} new tokens after {} cached ones exceed block_size {} (input {})", t, past,
               config.block_size, idx.shape().str());
  const auto n_layer = static_cast<size_t>(config.n_layer);
  if (cache != nullptr && cache->keys.size() != n_layer) {
    STRATA_CHECK(cache->keys.empty(), "GPT: the KV cache holds {} layers, the model {}", cache->keys.size(),
                 n_layer);
    cache->keys.resize(n_layer);
    cache->values.resize(n_layer);
  }
  // Positions past .. past + T - 1: a view of the position table, broadcast over the batch.
  const Tensor pos = wpe->weight.narrow(0, past, t);
  Tensor x = ops::dropout(wte(idx) + pos, config.dropout, is_training());
  for (size_t i = 0; i < n_layer; ++i) {
    auto block = std::static_pointer_cast<GPTBlockImpl>((*h)[i]);
    if (cache != nullptr) {
      x = block->forward(x, cache->keys[i], cache->values[i]);
    } else {
      x = block->forward(x);
    }
  }
  return ops::linear(ln_f(x), wte->weight);
}

namespace {

// The first token of the window a context of `length` tokens is read through, given the last window's
// start: a window holds at most block_size tokens; when one more would overflow it, the window jumps
// forward to keep the last max(1, block_size / 2) tokens (a model with learned positions cannot slide by
// one without recomputing everything).
size_t window_start(size_t length, size_t start, int64_t block_size) {
  const auto block = static_cast<size_t>(block_size);
  if (length - start <= block) return start;
  return length - std::max<size_t>(1, block / 2);
}

}  // namespace

std::vector<int64_t> GPTImpl::generate(const std::vector<int64_t>& prompt, int64_t count,
                                       const GPTSampling& sampling, Generator& generator) {
  return sample(prompt, count, sampling, generator, true);
}

std::vector<int64_t> GPTImpl::generate_uncached(const std::vector<int64_t>& prompt, int64_t count,
                                                const GPTSampling& sampling, Generator& generator) {
  return sample(prompt, count, sampling, generator, false);
}

std::vector<int64_t> GPTImpl::sample(const std::vector<int64_t>& prompt, int64_t count,
                                     const GPTSampling& sampling, Generator& generator, bool cached) {
  const char* op = cached ? "GPT::generate" : "GPT::generate_uncached";
  STRATA_CHECK(!prompt.empty(), "{}: the prompt must hold at least one token", op);
  STRATA_CHECK(count >= 0, "{}: count must be >= 0, got {}", op, count);
  eval();
  NoGradGuard no_grad;
  std::vector<int64_t> context = prompt;
  // A prompt longer than block_size is read through its last block_size tokens.
  size_t start = context.size() > static_cast<size_t>(config.block_size)
                     ? context.size() - static_cast<size_t>(config.block_size)
                     : 0;
  KVCache cache;
  // Runs context[from:] (appended to the cache when cached) and returns the logits [V] of the next token.
  const auto run = [&](size_t from) {
    const std::vector<int64_t> ids(context.begin() + static_cast<std::ptrdiff_t>(from), context.end());
    const Tensor logits =
        forward(from_vector(ids, {1, static_cast<int64_t>(ids.size())}), cached ? &cache : nullptr);
    return logits.select(1, logits.size(1) - 1).reshape({config.vocab_size});
  };
  Tensor logits = run(start);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t next = data::text::sample_token(logits, sampling, generator);
    out.push_back(next);
    context.push_back(next);
    if (i + 1 == count) break;
    const size_t moved = window_start(context.size(), start, config.block_size);
    if (cached && moved == start) {
      logits = run(context.size() - 1);  // one new position against the cache
    } else {
      start = moved;
      cache.clear();
      logits = run(start);  // the whole window again
    }
  }
  return out;
}

std::string GPTImpl::extra_repr() const {
  return fmt::format("vocab_size={}, block_size={}, n_layer={}, n_head={}, n_embd={}, dropout={}, bias={}",
                     config.vocab_size, config.block_size, config.n_layer, config.n_head, config.n_embd,
                     config.dropout, config.bias);
}

GPT gpt(const GPTConfig& config) { return GPT(config); }

}  // namespace strata::models
