// Scaled dot-product attention. The unfused form is written with strata's ops (autograd through each);
// scaled_dot_product_attention dispatches to it until a fused kernel takes over.
#include "strata/ops/attention.h"

#include <cmath>
#include <limits>

#include "strata/core/factory.h"
#include "strata/ops/dropout.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/linalg.h"
#include "strata/ops/reduction.h"
#include "strata/ops/softmax.h"
#include "strata/ops/view.h"

namespace strata::ops {
namespace {

struct AttentionShape {
  int64_t L, S, E, Ev;
};

AttentionShape check_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                               double dropout_p, bool is_causal, const char* op) {
  STRATA_CHECK(q.defined() && k.defined() && v.defined(), "{}: undefined tensor argument", op);
  STRATA_CHECK(q.is_floating_point() && q.dtype() == k.dtype() && q.dtype() == v.dtype(),
               "{}: q, k and v must share one floating point dtype, got {}, {} and {}", op,
               dtype_name(q.dtype()), dtype_name(k.dtype()), dtype_name(v.dtype()));
  STRATA_CHECK(q.device() == k.device() && q.device() == v.device(),
               "{}: q, k and v are on different devices", op);
  STRATA_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2,
               "{}: q, k and v need at least 2 dims [..., seq, features], got shapes {}, {} and {}", op,
               q.shape().str(), k.shape().str(), v.shape().str());
  const AttentionShape s{q.shape()[q.dim() - 2], k.shape()[k.dim() - 2], q.shape()[q.dim() - 1],
                         v.shape()[v.dim() - 1]};
  STRATA_CHECK(k.shape()[k.dim() - 1] == s.E,
               "{}: q and k must have the same feature size, got shapes {} and {}", op, q.shape().str(),
               k.shape().str());
  STRATA_CHECK(v.shape()[v.dim() - 2] == s.S,
               "{}: k and v must have the same sequence length, got shapes {} and {}", op, k.shape().str(),
               v.shape().str());
  STRATA_CHECK(dropout_p >= 0.0 && dropout_p < 1.0, "{}: dropout_p must be in [0, 1), got {}", op, dropout_p);
  if (mask.defined()) {
    STRATA_CHECK(!is_causal, "{}: give either attn_mask or is_causal, not both", op);
    STRATA_CHECK(mask.dtype() == kUInt8 || mask.dtype() == q.dtype(),
                 "{}: attn_mask must be u8 (nonzero = attend) or {} like q, got {} of shape {}", op,
                 dtype_name(q.dtype()), dtype_name(mask.dtype()), mask.shape().str());
    STRATA_CHECK(
        mask.dim() >= 2 && mask.shape()[mask.dim() - 2] <= s.L && mask.shape()[mask.dim() - 1] <= s.S,
        "{}: attn_mask of shape {} does not broadcast to [..., {}, {}]", op, mask.shape().str(), s.L, s.S);
  }
  return s;
}

// u8 [L, S]: query i may attend key j when j <= i + (S - L).
Tensor causal_allowed(int64_t L, int64_t S, Device device) {
  const Tensor rows = add(unsqueeze(arange(static_cast<double>(L), {.dtype = kFloat64, .device = device}), 1),
                          static_cast<double>(S - L));
  const Tensor cols = unsqueeze(arange(static_cast<double>(S), {.dtype = kFloat64, .device = device}), 0);
  return ge(rows, cols);
}

}  // namespace

Tensor scaled_dot_product_attention_unfused(const Tensor& q, const Tensor& k, const Tensor& v,
                                            const Tensor& attn_mask, double dropout_p, bool is_causal,
                                            std::optional<double> scale, Generator* generator) {
  const auto s = check_attention(q, k, v, attn_mask, dropout_p, is_causal, "scaled_dot_product_attention");
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(s.E)));
  Tensor scores = mul(matmul(q, transpose(k, -2, -1)), sc);
  // blocked: 1 where a query may not see a key, in the scores' dtype so masks of both kinds combine.
  Tensor blocked;
  if (is_causal) blocked = to_dtype(eq(causal_allowed(s.L, s.S, q.device()), 0.0), q.dtype());
  if (attn_mask.defined()) {
    if (attn_mask.dtype() == kUInt8) {
      blocked = to_dtype(eq(attn_mask, 0.0), q.dtype());
    } else {
      scores = add(scores, attn_mask);
      blocked = to_dtype(eq(detach(scores), -std::numeric_limits<double>::infinity()), q.dtype());
    }
  }
  if (!blocked.defined()) {
    Tensor p = softmax(scores, -1);
    if (dropout_p > 0.0) p = dropout(p, dropout_p, true, generator);
    return matmul(p, v);
  }
  blocked = add(zeros_like(detach(scores)), blocked);    // full [..., L, S]
  const Tensor row_blocked = amin(blocked, {-1}, true);  // 1 where every key is blocked
  scores = masked_fill(scores, gt(blocked, 0.5), -std::numeric_limits<double>::infinity());
  scores = masked_fill(scores, gt(row_blocked, 0.5), 0.0);  // keeps softmax finite on such rows
  Tensor p = mul(softmax(scores, -1), rsub(row_blocked, 1.0));
  if (dropout_p > 0.0) p = dropout(p, dropout_p, true, generator);
  return matmul(p, v);
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* generator) {
  return scaled_dot_product_attention_unfused(q, k, v, attn_mask, dropout_p, is_causal, scale, generator);
}

}  // namespace strata::ops
