// Scaled dot-product attention. scaled_dot_product_attention runs the fused kernel (kernels/attention.h:
// online softmax over key blocks, only the output and the row logsumexp saved) with its own backward
// node; the unfused form is written with strata's ops (autograd through each) and serves as the
// reference, as the path for dropout and devices without the kernel, and for double backward.
#include "strata/ops/attention.h"

#include <cmath>
#include <limits>

#include "autograd/saved_output.h"
#include "kernels/attention.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
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

using autograd::Grads;

struct AttentionShape {
  int64_t L, S, E, Ev;
  Shape batch;  // the broadcast leading dims of q, k, v and the mask
};

// The leading dims of t (all but the last two).
Shape leading(const Tensor& t) {
  Shape s;
  for (int64_t d = 0; d + 2 < t.dim(); ++d) s.push_back(t.shape()[static_cast<size_t>(d)]);
  return s;
}

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
  AttentionShape s{q.shape()[q.dim() - 2], k.shape()[k.dim() - 2], q.shape()[q.dim() - 1],
                   v.shape()[v.dim() - 1], Shape{}};
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
    const int64_t ml = mask.dim() >= 2 ? mask.shape()[mask.dim() - 2] : -1;
    const int64_t ms = mask.dim() >= 2 ? mask.shape()[mask.dim() - 1] : -1;
    STRATA_CHECK(mask.dim() >= 2 && (ml == 1 || ml == s.L) && (ms == 1 || ms == s.S),
                 "{}: attn_mask of shape {} does not broadcast to [..., {}, {}]", op, mask.shape().str(), s.L,
                 s.S);
    STRATA_CHECK(mask.device() == q.device(), "{}: attn_mask is on {}, q on {}", op, mask.device().str(),
                 q.device().str());
  }
  s.batch = broadcast_shapes(broadcast_shapes(leading(q), leading(k), op), leading(v), op);
  if (mask.defined()) s.batch = broadcast_shapes(s.batch, leading(mask), op);
  return s;
}

// u8 [L, S]: query i may attend key j when j <= i + (S - L).
Tensor causal_allowed(int64_t L, int64_t S, Device device) {
  const Tensor rows = add(unsqueeze(arange(static_cast<double>(L), {.dtype = kFloat64, .device = device}), 1),
                          static_cast<double>(S - L));
  const Tensor cols = unsqueeze(arange(static_cast<double>(S), {.dtype = kFloat64, .device = device}), 0);
  return ge(rows, cols);
}

// softmax(q k^T * sc + mask) written with ops, a fully masked row giving zeros.
Tensor attention_weights(const Tensor& q, const Tensor& k, const Tensor& attn_mask, bool is_causal, double sc,
                         const AttentionShape& s) {
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
  if (!blocked.defined()) return softmax(scores, -1);
  blocked = add(zeros_like(detach(scores)), blocked);    // full [..., L, S]
  const Tensor row_blocked = amin(blocked, {-1}, true);  // 1 where every key is blocked
  scores = masked_fill(scores, gt(blocked, 0.5), -std::numeric_limits<double>::infinity());
  scores = masked_fill(scores, gt(row_blocked, 0.5), 0.0);  // keeps softmax finite on such rows
  return mul(softmax(scores, -1), rsub(row_blocked, 1.0));
}

// Gradients of the attention output written with ops (differentiable), for create_graph backwards:
// dV = P^T g, dP = g v^T, dS = P (dP - rowsum(dP P)), dQ = sc dS k, dK = sc dS^T q, d mask = dS.
Grads attention_grads_composite(const Tensor& g, const Tensor& q, const Tensor& k, const Tensor& v,
                                const Tensor& attn_mask, bool is_causal, double sc, const AttentionShape& s) {
  const Tensor p = attention_weights(q, k, attn_mask, is_causal, sc, s);
  const Tensor dp = matmul(g, transpose(v, -2, -1));
  const Tensor ds = mul(p, sub(dp, sum(mul(dp, p), {p.dim() - 1}, true)));
  const bool mask_grad = attn_mask.defined() && attn_mask.requires_grad();
  return Grads{sum_to(mul(matmul(ds, k), sc), q.shape()),
               sum_to(mul(matmul(transpose(ds, -2, -1), q), sc), k.shape()),
               sum_to(matmul(transpose(p, -2, -1), g), v.shape()),
               mask_grad ? sum_to(ds, attn_mask.shape()) : Tensor()};
}

// Whether the fused kernel beats the unfused composition, from the grid in docs/performance.md (1-thread
// CPU times; bench/attention_grid). With W = L * S scores per (batch, head) and E the head size:
//   decoding (L < 16): the kernel, except E <= 32 against more than 128 keys in inference (a tie) and
//     fewer than 512 keys with a backward to run;
//   inference: masked or causal from W >= 64^2; no mask from W >= 512^2 (E <= 64) or 1024^2;
//   training: causal from W >= 64^2 (E <= 32) or 128^2; masked from W >= 64^2 (E <= 64) or 512^2; no mask
//     from W >= 128^2 (E <= 32) or 512^2 (E <= 64), never for E > 64 (the backward's recomputed q k^T is a
//     seventh product beside the unfused path's six, all near the core's peak);
//   and whatever the shape, when the unfused path would materialise more than 1 GiB of scores.
bool fused_pays(const AttentionShape& s, int64_t elem_size, bool causal, bool masked, bool grad) {
  constexpr int64_t k64 = 64 * 64, k128 = 128 * 128, k512 = 512 * 512, k1024 = 1024 * 1024;
  const int64_t work = s.L * s.S;
  if (s.L < 16) return grad ? s.S >= 512 : (s.E > 32 || s.S <= 128);
  int64_t batch = 1;
  for (int64_t d : s.batch) batch *= d;
  if (batch * work * elem_size > (int64_t{1} << 30)) return true;
  if (!grad) {
    if (causal || masked) return work >= k64;
    return work >= (s.E <= 64 ? k512 : k1024);
  }
  if (causal) return work >= (s.E <= 32 ? k64 : k128);
  if (masked) return work >= (s.E <= 64 ? k64 : k512);
  return s.E <= 64 && work >= (s.E <= 32 ? k128 : k512);
}

bool use_fused(const Tensor& q, double dropout_p) {
  return q.device().is_cpu() && (q.dtype() == kFloat32 || q.dtype() == kFloat64) && dropout_p == 0.0;
}

// The fused op: one kernel forward, one node whose backward recomputes the scores block by block.
Tensor attention_fused(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                       bool is_causal, double sc, const AttentionShape& s) {
  auto full = [&s](const Tensor& t, int64_t rows, int64_t cols) {
    Shape shape = s.batch;
    shape.push_back(rows);
    shape.push_back(cols);
    return detach(t).expand(shape);
  };
  kernels::AttentionArgs args{full(q, s.L, s.E),  full(k, s.S, s.E),
                              full(v, s.S, s.Ev), attn_mask.defined() ? full(attn_mask, s.L, s.S) : Tensor(),
                              is_causal,          sc};
  kernels::AttentionForward f = kernels::attention_forward(args);
  if (!autograd::needs_grad({q, k, v, attn_mask})) return f.out;
  auto saved = std::make_shared<autograd::SavedOutput>(f.out);
  Tensor result = autograd::record(
      "scaled_dot_product_attention", f.out, {q, k, v, attn_mask},
      [q, k, v, attn_mask, is_causal, sc, s, args, lse = f.lse, saved](const Tensor& g) {
        if (autograd::grad_mode_enabled())
          return attention_grads_composite(g, q, k, v, attn_mask, is_causal, sc, s);
        const bool mask_grad = attn_mask.defined() && attn_mask.requires_grad();
        kernels::AttentionGrads r = kernels::attention_backward(args, saved->get(), lse, g, mask_grad);
        return Grads{q.requires_grad() ? sum_to(r.dq, q.shape()) : Tensor(),
                     k.requires_grad() ? sum_to(r.dk, k.shape()) : Tensor(),
                     v.requires_grad() ? sum_to(r.dv, v.shape()) : Tensor(),
                     mask_grad ? sum_to(r.dmask, attn_mask.shape()) : Tensor()};
      });
  saved->bind(result);
  return result;
}

}  // namespace

Tensor scaled_dot_product_attention_unfused(const Tensor& q, const Tensor& k, const Tensor& v,
                                            const Tensor& attn_mask, double dropout_p, bool is_causal,
                                            std::optional<double> scale, Generator* generator) {
  const auto s = check_attention(q, k, v, attn_mask, dropout_p, is_causal, "scaled_dot_product_attention");
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(s.E)));
  Tensor p = attention_weights(q, k, attn_mask, is_causal, sc, s);
  if (dropout_p > 0.0) p = dropout(p, dropout_p, true, generator);
  return matmul(p, v);
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* generator) {
  const auto s = check_attention(q, k, v, attn_mask, dropout_p, is_causal, "scaled_dot_product_attention");
  const bool grad = autograd::needs_grad({q, k, v, attn_mask});
  if (!use_fused(q, dropout_p) ||
      !fused_pays(s, static_cast<int64_t>(q.element_size()), is_causal, attn_mask.defined(), grad))
    return scaled_dot_product_attention_unfused(q, k, v, attn_mask, dropout_p, is_causal, scale, generator);
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(s.E)));
  return attention_fused(q, k, v, attn_mask, is_causal, sc, s);
}

Tensor scaled_dot_product_attention_fused(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const Tensor& attn_mask, bool is_causal,
                                          std::optional<double> scale) {
  const char* op = "scaled_dot_product_attention_fused";
  const auto s = check_attention(q, k, v, attn_mask, 0.0, is_causal, op);
  STRATA_CHECK(q.dtype() == kFloat32 || q.dtype() == kFloat64, "{}: the kernel takes f32 or f64, got {}", op,
               dtype_name(q.dtype()));
  STRATA_CHECK(q.device().is_cpu(), "{}: the kernel runs on the CPU, got tensors on {}", op,
               q.device().str());
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(s.E)));
  return attention_fused(q, k, v, attn_mask, is_causal, sc, s);
}

}  // namespace strata::ops
