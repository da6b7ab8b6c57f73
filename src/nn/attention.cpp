// MultiheadAttention: the projections are Linear ops, the attention itself is F::scaled_dot_product_attention
// (its fused kernel where one exists) unless the weights are asked for, which are then computed explicitly.
#include "strata/nn/attention.h"

#include <cmath>
#include <limits>

#include "strata/core/factory.h"
#include "strata/nn/init.h"
#include "strata/ops/attention.h"
#include "strata/ops/dropout.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/softmax.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// An nn.MultiheadAttention mask (u8 nonzero = blocked, or float added) as a float mask in `dtype`.
Tensor additive_mask(const Tensor& mask, Dtype dtype) {
  if (mask.dtype() == kUInt8)
    return ops::masked_fill(zeros(mask.shape(), {.dtype = dtype, .device = mask.device()}), mask, -kInf);
  return mask.dtype() == dtype ? mask : ops::to_dtype(mask, dtype);
}

// [B, T, E] -> [B, heads, T, E / heads].
Tensor split_heads(const Tensor& x, int64_t heads) {
  const int64_t B = x.size(0), T = x.size(1), E = x.size(2);
  return ops::transpose(ops::reshape(x, {B, T, heads, E / heads}), 1, 2);
}

}  // namespace

Tensor causal_mask(int64_t L, int64_t S, Dtype dtype, Device device) {
  const Tensor rows =
      ops::add(ops::unsqueeze(arange(static_cast<double>(L), {.dtype = kFloat64, .device = device}), 1),
               static_cast<double>(S - L));
  const Tensor cols =
      ops::unsqueeze(arange(static_cast<double>(S), {.dtype = kFloat64, .device = device}), 0);
  return ops::masked_fill(zeros({L, S}, {.dtype = dtype, .device = device}), ops::gt(cols, rows), -kInf);
}

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads,
                                               MultiheadAttentionOptions options)
    : Module("MultiheadAttention"),
      embed_dim(embed_dim),
      num_heads(num_heads),
      head_dim(num_heads > 0 ? embed_dim / num_heads : 0),
      kdim(options.kdim > 0 ? options.kdim : embed_dim),
      vdim(options.vdim > 0 ? options.vdim : embed_dim),
      options(options),
      out_proj(std::make_shared<LinearImpl>(embed_dim > 0 ? embed_dim : 1, embed_dim > 0 ? embed_dim : 1,
                                            options.bias)) {
  STRATA_CHECK(embed_dim > 0 && num_heads > 0,
               "MultiheadAttention: embed_dim and num_heads must be positive, got {} and {}", embed_dim,
               num_heads);
  STRATA_CHECK(embed_dim % num_heads == 0,
               "MultiheadAttention: embed_dim ({}) must be divisible by num_heads ({})", embed_dim,
               num_heads);
  STRATA_CHECK(options.kdim >= 0 && options.vdim >= 0,
               "MultiheadAttention: kdim and vdim must be positive (or 0 for embed_dim), got {} and {}",
               options.kdim, options.vdim);
  STRATA_CHECK(options.dropout >= 0.0 && options.dropout < 1.0,
               "MultiheadAttention: dropout must be in [0, 1), got {}", options.dropout);
  if (kdim == embed_dim && vdim == embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({embed_dim, embed_dim}));
    k_proj_weight = register_parameter("k_proj_weight", empty({embed_dim, kdim}));
    v_proj_weight = register_parameter("v_proj_weight", empty({embed_dim, vdim}));
  }
  if (options.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * embed_dim}));
  register_module("out_proj", out_proj.ptr());
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  for (Tensor* w : {&in_proj_weight, &q_proj_weight, &k_proj_weight, &v_proj_weight})
    if (w->defined()) init::xavier_uniform_(*w);
  if (in_proj_bias.defined()) {
    init::zeros_(in_proj_bias);
    init::zeros_(out_proj->bias);
  }
}

MultiheadAttentionOutput MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key,
                                                         const Tensor& value,
                                                         const MultiheadAttentionArgs& args) {
  if (forward_observer() == nullptr && !has_hooks()) [[likely]]
    return attend(query, key, value, args);
  // Seen by nn::summary and hooks as one layer (its out_proj is applied as an op, not a call of the child).
  Tensor weights;
  Tensor out = call_hooked({query, key, value}, [&](const std::vector<Tensor>& in) {
    MultiheadAttentionOutput r = attend(in[0], in[1], in[2], args);
    weights = r.weights;
    return r.output;
  });
  return {out, weights};
}

MultiheadAttentionOutput MultiheadAttentionImpl::attend(const Tensor& query, const Tensor& key,
                                                        const Tensor& value,
                                                        const MultiheadAttentionArgs& args) {
  STRATA_CHECK(query.defined() && key.defined() && value.defined(),
               "MultiheadAttention: query, key and value must be defined");
  STRATA_CHECK(
      (query.dim() == 3 || query.dim() == 2) && key.dim() == query.dim() && value.dim() == query.dim(),
      "MultiheadAttention: query, key and value must all be 3-D ([T, B, E], or [B, T, E] with "
      "batch_first) or all 2-D (unbatched [T, E]), got shapes {}, {} and {}",
      query.shape().str(), key.shape().str(), value.shape().str());
  const bool batched = query.dim() == 3;
  Tensor q = query, k = key, v = value;
  if (!batched) {
    q = ops::unsqueeze(q, 0), k = ops::unsqueeze(k, 0), v = ops::unsqueeze(v, 0);
  } else if (!options.batch_first) {
    q = ops::transpose(q, 0, 1), k = ops::transpose(k, 0, 1), v = ops::transpose(v, 0, 1);
  }
  const int64_t B = q.size(0), L = q.size(1), S = k.size(1);
  STRATA_CHECK(
      q.size(2) == embed_dim && k.size(2) == kdim && v.size(2) == vdim,
      "MultiheadAttention: expected query, key and value with {}, {} and {} features (embed_dim, kdim, "
      "vdim), got shapes {}, {} and {}",
      embed_dim, kdim, vdim, query.shape().str(), key.shape().str(), value.shape().str());
  STRATA_CHECK(
      k.size(0) == B && v.size(0) == B && v.size(1) == S,
      "MultiheadAttention: query, key and value disagree on batch or key length: shapes {}, {} and {}{}",
      query.shape().str(), key.shape().str(), value.shape().str(),
      options.batch_first ? " (batch_first)" : " ([T, B, E] layout)");

  // ---- input projections ----------------------------------------------------------------------------
  auto bias_part = [&](int64_t i) {
    return in_proj_bias.defined() ? ops::narrow(in_proj_bias, 0, i * embed_dim, embed_dim) : Tensor();
  };
  if (in_proj_weight.defined() && query.is_same(key) && key.is_same(value)) {
    const auto qkv = ops::chunk(ops::linear(q, in_proj_weight, in_proj_bias), 3, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else if (in_proj_weight.defined()) {
    q = ops::linear(q, ops::narrow(in_proj_weight, 0, 0, embed_dim), bias_part(0));
    k = ops::linear(k, ops::narrow(in_proj_weight, 0, embed_dim, embed_dim), bias_part(1));
    v = ops::linear(v, ops::narrow(in_proj_weight, 0, 2 * embed_dim, embed_dim), bias_part(2));
  } else {
    q = ops::linear(q, q_proj_weight, bias_part(0));
    k = ops::linear(k, k_proj_weight, bias_part(1));
    v = ops::linear(v, v_proj_weight, bias_part(2));
  }
  q = split_heads(q, num_heads), k = split_heads(k, num_heads), v = split_heads(v, num_heads);

  // ---- masks: one float mask broadcastable to [B, heads, L, S] ---------------------------------------
  const Dtype dtype = q.dtype();
  Tensor mask;
  if (args.attn_mask.defined()) {
    const Tensor& m = args.attn_mask;
    const bool ok = (m.dim() == 2 && m.size(0) == L && m.size(1) == S) ||
                    (m.dim() == 3 && m.size(0) == B * num_heads && m.size(1) == L && m.size(2) == S);
    STRATA_CHECK(
        ok,
        "MultiheadAttention: attn_mask must be [{}, {}] or [{}, {}, {}] (batch * num_heads, L, S), got {}", L,
        S, B * num_heads, L, S, m.shape().str());
    STRATA_CHECK(m.dtype() == kUInt8 || m.is_floating_point(),
                 "MultiheadAttention: attn_mask must be u8 (nonzero = blocked) or floating, got {}",
                 dtype_name(m.dtype()));
    mask = additive_mask(m, dtype);
    if (m.dim() == 3) mask = ops::reshape(mask, {B, num_heads, L, S});
  }
  if (args.key_padding_mask.defined()) {
    const Tensor& m = args.key_padding_mask;
    const bool ok =
        batched ? (m.dim() == 2 && m.size(0) == B && m.size(1) == S) : (m.dim() == 1 && m.size(0) == S);
    STRATA_CHECK(ok, "MultiheadAttention: key_padding_mask must be {}, got {}",
                 batched ? Shape{B, S}.str() : Shape{S}.str(), m.shape().str());
    STRATA_CHECK(m.dtype() == kUInt8 || m.is_floating_point(),
                 "MultiheadAttention: key_padding_mask must be u8 (nonzero = padding) or floating, got {}",
                 dtype_name(m.dtype()));
    const Tensor padding = ops::reshape(additive_mask(m, dtype), {B, 1, 1, S});
    mask = mask.defined() ? ops::add(mask, padding) : padding;
  }
  // Attention hooks need the weights, so they take the explicit path as need_weights does.
  const bool hooked = has_attention_hooks();
  const bool explicit_weights = args.need_weights || hooked;
  const bool causal_in_op = args.is_causal && !mask.defined() && !explicit_weights;
  if (args.is_causal && !causal_in_op) {
    const Tensor causal = causal_mask(L, S, dtype, q.device());
    mask = mask.defined() ? ops::add(mask, causal) : causal;
  }

  // ---- attention ---------------------------------------------------------------------------------------
  const double dropout_p = is_training() ? options.dropout : 0.0;
  Tensor attn, weights;
  if (!explicit_weights) {
    attn = ops::scaled_dot_product_attention(q, k, v, mask, dropout_p, causal_in_op);
  } else {
    Tensor scores =
        ops::matmul(ops::mul(q, 1.0 / std::sqrt(static_cast<double>(head_dim))), ops::transpose(k, -2, -1));
    Tensor p;
    if (mask.defined()) {
      scores = ops::add(scores, mask);
      // A query whose keys are all blocked attends to nothing (zero weights) instead of giving NaN.
      const Tensor dead = ops::eq(ops::amax(ops::detach(scores), {-1}, true), -kInf);
      p = ops::masked_fill(ops::softmax(ops::masked_fill(scores, dead, 0.0), -1), dead, 0.0);
    } else {
      p = ops::softmax(scores, -1);
    }
    if (dropout_p > 0.0) p = ops::dropout(p, dropout_p, true);
    attn = ops::matmul(p, v);
    if (hooked) run_attention_hooks(*this, p);
    if (args.need_weights) {
      weights = args.average_attn_weights ? ops::mean(p, {1}) : p;
      if (!batched) weights = ops::squeeze(weights, 0);
    }
  }
  Tensor out = ops::linear(ops::reshape(ops::transpose(attn, 1, 2), {B, L, embed_dim}), out_proj->weight,
                           out_proj->bias);
  if (!batched) {
    out = ops::squeeze(out, 0);
  } else if (!options.batch_first) {
    out = ops::transpose(out, 0, 1);
  }
  return {out, weights};
}

Tensor MultiheadAttentionImpl::forward(const Tensor& input) {
  return attend(input, input, input, {.need_weights = false}).output;
}

std::string MultiheadAttentionImpl::extra_repr() const {
  std::string s = fmt::format("embed_dim={}, num_heads={}, dropout={}, bias={}", embed_dim, num_heads,
                              options.dropout, options.bias);
  if (kdim != embed_dim || vdim != embed_dim) s += fmt::format(", kdim={}, vdim={}", kdim, vdim);
  if (options.batch_first) s += ", batch_first=true";
  return s;
}

}  // namespace strata::nn
