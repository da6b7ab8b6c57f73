// CPU fused scaled-dot-product attention, flash-attention style.
//
// Plan. The leading dims of q, k, v (and the mask) are one flat batch index bh; each operand reaches its
// [rows, features] matrix of bh through a precomputed offset and its own strides, so transposed, sliced
// and broadcast (stride-0) views need no copy. Key blocks of kBlockK keys are packed into small zero-
// padded scratch tiles whose widths are multiples of kPad, so every product runs on one register-tiled
// micro-kernel (gemm below: rows of A broadcast against two AVX2 vectors of B per step, no tails).
//
// Forward, parallel over (bh, block of kBlockQ queries): for each key block, S = q k^T (one product),
// then per row scale, mask (u8, additive, causal, padding columns) and an online softmax update: running
// max m and sum l, the output accumulator rescaled by exp(m_old - m_new), P = exp(S - m_new) in place,
// O += P v (second product). Causal attention stops at the last key block any row of the block can see.
// Only out and the row logsumexp lse = m + log(l) are kept; the L x S scores never exist in full.
//
// Backward, parallel over bh (each thread owns that bh's dq, dk, dv, so no reductions across threads):
// q, dO, k, k^T and v^T are packed once, D = rowsum(dO * O); then per (key block, query block)
// P = exp(S - lse) is recomputed, dV += P^T dO, dP = dO v^T, dS = P (dP - D), dQ += scale dS k,
// dK += scale dS^T q (five products on the same micro-kernel).
//
// Fully masked rows: m stays -inf and l = 0, so the output row is 0 and lse = +inf, which makes the
// recomputed P exactly 0 in backward (exp(s - inf) = 0 for every s, -inf included): no NaN anywhere.
#include "kernels/cpu/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/cpu/vec_exp.h"
#include "kernels/dispatch.h"
#include "kernels/elementwise.h"

namespace strata::kernels::cpu {
namespace {

constexpr int64_t kPad = 16;     // tile widths are multiples of this: two AVX2 vectors of f32 (four of f64)
constexpr int64_t kBlockQ = 64;  // query rows per block
constexpr int64_t kBlockK = 64;  // keys per block (a multiple of kPad)
constexpr int kRowTile = 6;      // rows of A held in registers by the micro-kernel

int64_t padded(int64_t n) { return (n + kPad - 1) / kPad * kPad; }

template <typename T>
struct Vec {
  static constexpr int kWidth = 32 / static_cast<int>(sizeof(T));
  typedef T V __attribute__((vector_size(32)));
};

// C[r][n] (+)= sum_k A(r, k) B[k][n] for r < R, n < N (N a multiple of kPad), with A(r, k) = a[r * am + k *
// ak], B rows ldb apart and C rows ldc apart. The 2R accumulators stay in registers across the k loop.
template <typename T, int R, bool kAcc>
void gemm_rows(int64_t N, int64_t K, const T* a, int64_t am, int64_t ak, const T* b, int64_t ldb, T* c,
               int64_t ldc) {
  using V = typename Vec<T>::V;
  constexpr int W = Vec<T>::kWidth;
  for (int64_t n = 0; n < N; n += 2 * W) {
    V acc[R][2];
    for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = V{};
    const T* bp = b + n;
    const T* ap = a;
    for (int64_t kk = 0; kk < K; ++kk, bp += ldb, ap += ak) {
      V b0, b1;
      std::memcpy(&b0, bp, sizeof(V));
      std::memcpy(&b1, bp + W, sizeof(V));
      for (int r = 0; r < R; ++r) {
        const V av = V{} + ap[r * am];
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    for (int r = 0; r < R; ++r) {
      T* cp = c + r * ldc + n;
      if constexpr (kAcc) {
        V c0, c1;
        std::memcpy(&c0, cp, sizeof(V));
        std::memcpy(&c1, cp + W, sizeof(V));
        acc[r][0] += c0;
        acc[r][1] += c1;
      }
      std::memcpy(cp, &acc[r][0], sizeof(V));
      std::memcpy(cp + W, &acc[r][1], sizeof(V));
    }
  }
}

// C (+)= A B for M rows (see gemm_rows).
template <typename T, bool kAcc>
void gemm(int64_t M, int64_t N, int64_t K, const T* a, int64_t am, int64_t ak, const T* b, int64_t ldb, T* c,
          int64_t ldc) {
  int64_t m = 0;
  for (; m + kRowTile <= M; m += kRowTile)
    gemm_rows<T, kRowTile, kAcc>(N, K, a + m * am, am, ak, b, ldb, c + m * ldc, ldc);
  const T* ar = a + m * am;
  T* cr = c + m * ldc;
  switch (M - m) {
    case 5:
      gemm_rows<T, 5, kAcc>(N, K, ar, am, ak, b, ldb, cr, ldc);
      break;
    case 4:
      gemm_rows<T, 4, kAcc>(N, K, ar, am, ak, b, ldb, cr, ldc);
      break;
    case 3:
      gemm_rows<T, 3, kAcc>(N, K, ar, am, ak, b, ldb, cr, ldc);
      break;
    case 2:
      gemm_rows<T, 2, kAcc>(N, K, ar, am, ak, b, ldb, cr, ldc);
      break;
    case 1:
      gemm_rows<T, 1, kAcc>(N, K, ar, am, ak, b, ldb, cr, ldc);
      break;
    default:
      break;
  }
}

// dst[r][c] = src(r, c) for r < rows, c < cols, zero up to width; src(r, c) = src[r * sr + c * sc].
template <typename T>
void pack_rows(T* dst, int64_t width, const T* src, int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  for (int64_t r = 0; r < rows; ++r) {
    T* d = dst + r * width;
    const T* s = src + r * sr;
    if (sc == 1) {
      std::memcpy(d, s, static_cast<size_t>(cols) * sizeof(T));
    } else {
      for (int64_t c = 0; c < cols; ++c) d[c] = s[c * sc];
    }
    std::fill(d + cols, d + width, T(0));
  }
}

// One operand's layout: the offset of each bh's matrix and the strides of its last two dims.
struct Operand {
  std::vector<int64_t> offset;
  int64_t rs = 0, cs = 0;
};

Operand operand(const Tensor& t, int64_t batch) {
  Operand o;
  const int64_t nd = t.dim();
  o.rs = t.strides()[static_cast<size_t>(nd - 2)];
  o.cs = t.strides()[static_cast<size_t>(nd - 1)];
  o.offset.resize(static_cast<size_t>(batch));
  for (int64_t bh = 0; bh < batch; ++bh) {
    int64_t rest = bh, off = 0;
    for (int64_t d = nd - 3; d >= 0; --d) {
      const int64_t size = t.shape()[static_cast<size_t>(d)];
      off += (rest % size) * t.strides()[static_cast<size_t>(d)];
      rest /= size;
    }
    o.offset[static_cast<size_t>(bh)] = off;
  }
  return o;
}

// Everything a worker needs to turn a block of raw scores into scaled, masked scores.
template <typename T>
struct Masking {
  T scale;
  bool causal;
  int64_t L, S;
  const uint8_t* bool_mask = nullptr;  // base pointers (offset by bh in the caller)
  const T* add_mask = nullptr;
  Operand mask;
};

// Row i of a score block holding keys j0 .. j0 + cols (padded to cp columns): scale, add or apply the
// mask, block future keys when causal, and set padding columns to -inf.
template <typename T>
void mask_row(const Masking<T>& m, int64_t bh, int64_t i, int64_t j0, int64_t cols, int64_t cp, T* s) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const T scale = m.scale;
#pragma omp simd
  for (int64_t j = 0; j < cols; ++j) s[j] *= scale;
  if (m.add_mask) {
    const T* mk = m.add_mask + m.mask.offset[static_cast<size_t>(bh)] + i * m.mask.rs + j0 * m.mask.cs;
    const int64_t cs = m.mask.cs;
    if (cs == 1) {
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) s[j] += mk[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) s[j] += mk[j * cs];
    }
  } else if (m.bool_mask) {
    const uint8_t* mk = m.bool_mask + m.mask.offset[static_cast<size_t>(bh)] + i * m.mask.rs + j0 * m.mask.cs;
    const int64_t cs = m.mask.cs;
    for (int64_t j = 0; j < cols; ++j) s[j] = mk[j * cs] ? s[j] : kNegInf;
  }
  if (m.causal) {
    const int64_t last = i + (m.S - m.L) - j0;  // the last column this row may see
    for (int64_t j = std::max<int64_t>(last + 1, 0); j < cols; ++j) s[j] = kNegInf;
  }
  for (int64_t j = cols; j < cp; ++j) s[j] = kNegInf;
}

// The number of keys any of rows i0 .. i0 + rows may see (all S unless causal).
int64_t visible_keys(bool causal, int64_t i0, int64_t rows, int64_t L, int64_t S) {
  if (!causal) return S;
  return std::clamp<int64_t>(i0 + rows + (S - L), 0, S);
}

template <typename T>
Masking<T> masking(const AttentionArgs& args, int64_t batch, int64_t L, int64_t S) {
  Masking<T> m;
  m.scale = static_cast<T>(args.scale);
  m.causal = args.is_causal;
  m.L = L;
  m.S = S;
  if (args.mask.defined()) {
    m.mask = operand(args.mask, batch);
    if (args.mask.dtype() == kUInt8) {
      m.bool_mask = args.mask.data_ptr<uint8_t>();
    } else {
      m.add_mask = args.mask.data_ptr<T>();
    }
  }
  return m;
}

template <typename T>
void forward_typed(const AttentionArgs& args, int64_t batch, int64_t L, int64_t S, int64_t E, int64_t Ev,
                   T* out, T* lse) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const Operand q = operand(args.q, batch), k = operand(args.k, batch), v = operand(args.v, batch);
  const Masking<T> mk = masking<T>(args, batch, L, S);
  const T* qd = args.q.data_ptr<T>();
  const T* kd = args.k.data_ptr<T>();
  const T* vd = args.v.data_ptr<T>();
  const int64_t Evp = padded(Ev);
  const int64_t qblocks = (L + kBlockQ - 1) / kBlockQ;
  const int64_t units = batch * qblocks;
  const bool parallel =
      units > 1 && omp_get_max_threads() > 1 && !omp_in_parallel() && batch * L * S * (E + Ev) >= 16384;
#pragma omp parallel if (parallel)
  {
    std::vector<T> kt(static_cast<size_t>(E * kBlockK)), vp(static_cast<size_t>(kBlockK * Evp));
    std::vector<T> sc(static_cast<size_t>(kBlockQ * kBlockK)), acc(static_cast<size_t>(kBlockQ * Evp));
    std::vector<T> mrow(kBlockQ), lrow(kBlockQ);
#pragma omp for schedule(dynamic)
    for (int64_t u = 0; u < units; ++u) {
      const int64_t bh = u / qblocks, i0 = (u % qblocks) * kBlockQ, rows = std::min(kBlockQ, L - i0);
      const size_t b = static_cast<size_t>(bh);
      const T* qa = qd + q.offset[b] + i0 * q.rs;
      std::fill(acc.begin(), acc.begin() + rows * Evp, T(0));
      std::fill(mrow.begin(), mrow.end(), kNegInf);
      std::fill(lrow.begin(), lrow.end(), T(0));
      const int64_t keys = visible_keys(mk.causal, i0, rows, L, S);
      for (int64_t j0 = 0; j0 < keys; j0 += kBlockK) {
        const int64_t cols = std::min(kBlockK, S - j0), cp = padded(cols);
        // k^T block [E, cp] and v block [cols, Evp].
        pack_rows(kt.data(), cp, kd + k.offset[b] + j0 * k.rs, E, cols, k.cs, k.rs);
        pack_rows(vp.data(), Evp, vd + v.offset[b] + j0 * v.rs, cols, Ev, v.rs, v.cs);
        gemm<T, false>(rows, cp, E, qa, q.rs, q.cs, kt.data(), cp, sc.data(), cp);
        for (int64_t r = 0; r < rows; ++r) {
          T* s = sc.data() + r * cp;
          mask_row(mk, bh, i0 + r, j0, cols, cp, s);
          T mb = kNegInf;
#pragma omp simd reduction(max : mb)
          for (int64_t j = 0; j < cols; ++j) mb = s[j] > mb ? s[j] : mb;
          const T mnew = std::max(mrow[static_cast<size_t>(r)], mb);
          if (mnew == kNegInf) {  // nothing visible yet in this row
            std::fill(s, s + cp, T(0));
            continue;
          }
          const T mold = mrow[static_cast<size_t>(r)];
          const T alpha = mold == kNegInf ? T(0) : std::exp(mold - mnew);
          T sum = 0;
#pragma omp simd reduction(+ : sum)
          for (int64_t j = 0; j < cp; ++j) {
            const T p = vexp(static_cast<T>(s[j] - mnew));
            s[j] = p;
            sum += p;
          }
          lrow[static_cast<size_t>(r)] = lrow[static_cast<size_t>(r)] * alpha + sum;
          mrow[static_cast<size_t>(r)] = mnew;
          if (alpha != T(1)) {
            T* o = acc.data() + r * Evp;
#pragma omp simd
            for (int64_t e = 0; e < Evp; ++e) o[e] *= alpha;
          }
        }
        gemm<T, true>(rows, Evp, cols, sc.data(), cp, 1, vp.data(), Evp, acc.data(), Evp);
      }
      for (int64_t r = 0; r < rows; ++r) {
        const T l = lrow[static_cast<size_t>(r)];
        const T inv = l > T(0) ? T(1) / l : T(0);
        const T* o = acc.data() + r * Evp;
        T* dst = out + (bh * L + i0 + r) * Ev;
#pragma omp simd
        for (int64_t e = 0; e < Ev; ++e) dst[e] = o[e] * inv;
        lse[bh * L + i0 + r] =
            l > T(0) ? mrow[static_cast<size_t>(r)] + std::log(l) : std::numeric_limits<T>::infinity();
      }
    }
  }
}

template <typename T>
void backward_typed(const AttentionArgs& args, int64_t batch, int64_t L, int64_t S, int64_t E, int64_t Ev,
                    const T* out, const T* lse, const Tensor& grad_out, T* dq, T* dk, T* dv, T* dmask) {
  const Operand q = operand(args.q, batch), k = operand(args.k, batch), v = operand(args.v, batch);
  const Operand g = operand(grad_out, batch);
  const Masking<T> mk = masking<T>(args, batch, L, S);
  const T* qd = args.q.data_ptr<T>();
  const T* kd = args.k.data_ptr<T>();
  const T* vd = args.v.data_ptr<T>();
  const T* gd = grad_out.data_ptr<T>();
  const T scale = static_cast<T>(args.scale);
  const int64_t Ep = padded(E), Evp = padded(Ev), Sp = padded(S);
  const bool parallel =
      batch > 1 && omp_get_max_threads() > 1 && !omp_in_parallel() && batch * L * S * (E + Ev) >= 16384;
#pragma omp parallel if (parallel)
  {
    std::vector<T> qp(static_cast<size_t>(L * Ep)), gp(static_cast<size_t>(L * Evp));
    std::vector<T> kp(static_cast<size_t>(S * Ep)), kt(static_cast<size_t>(E * Sp)),
        vt(static_cast<size_t>(Ev * Sp));
    std::vector<T> dqa(static_cast<size_t>(L * Ep)), dka(static_cast<size_t>(S * Ep)),
        dva(static_cast<size_t>(S * Evp));
    std::vector<T> d(static_cast<size_t>(L)), p(static_cast<size_t>(kBlockQ * kBlockK)), dp(p.size());
#pragma omp for schedule(dynamic)
    for (int64_t bh = 0; bh < batch; ++bh) {
      const size_t b = static_cast<size_t>(bh);
      pack_rows(qp.data(), Ep, qd + q.offset[b], L, E, q.rs, q.cs);
      pack_rows(gp.data(), Evp, gd + g.offset[b], L, Ev, g.rs, g.cs);
      pack_rows(kp.data(), Ep, kd + k.offset[b], S, E, k.rs, k.cs);
      pack_rows(kt.data(), Sp, kd + k.offset[b], E, S, k.cs, k.rs);
      pack_rows(vt.data(), Sp, vd + v.offset[b], Ev, S, v.cs, v.rs);
      std::fill(dqa.begin(), dqa.end(), T(0));
      std::fill(dka.begin(), dka.end(), T(0));
      std::fill(dva.begin(), dva.end(), T(0));
      for (int64_t i = 0; i < L; ++i) {
        const T* o = out + (bh * L + i) * Ev;
        const T* gi = gp.data() + i * Evp;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t e = 0; e < Ev; ++e) s += o[e] * gi[e];
        d[static_cast<size_t>(i)] = s;
      }
      const T* lrow = lse + bh * L;
      for (int64_t j0 = 0; j0 < S; j0 += kBlockK) {
        const int64_t cols = std::min(kBlockK, S - j0), cp = padded(cols);
        for (int64_t i0 = 0; i0 < L; i0 += kBlockQ) {
          const int64_t rows = std::min(kBlockQ, L - i0);
          if (visible_keys(mk.causal, i0, rows, L, S) <= j0) continue;  // the whole block is in the future
          const T* qi = qp.data() + i0 * Ep;
          const T* gi = gp.data() + i0 * Evp;
          gemm<T, false>(rows, cp, E, qi, Ep, 1, kt.data() + j0, Sp, p.data(), cp);
          gemm<T, false>(rows, cp, Ev, gi, Evp, 1, vt.data() + j0, Sp, dp.data(), cp);
          for (int64_t r = 0; r < rows; ++r) {
            T* pr = p.data() + r * cp;
            T* dr = dp.data() + r * cp;
            mask_row(mk, bh, i0 + r, j0, cols, cp, pr);
            const T lr = lrow[i0 + r], dr0 = d[static_cast<size_t>(i0 + r)];
#pragma omp simd
            for (int64_t j = 0; j < cp; ++j) {
              const T pj = vexp(static_cast<T>(pr[j] - lr));
              pr[j] = pj;
              dr[j] = pj * (dr[j] - dr0);  // dS, before the scale
            }
            if (dmask) {
              T* dm = dmask + (bh * L + i0 + r) * S + j0;
              std::memcpy(dm, dr, static_cast<size_t>(cols) * sizeof(T));
            }
#pragma omp simd
            for (int64_t j = 0; j < cp; ++j) dr[j] *= scale;
          }
          // dV += P^T dO, dQ += dS k, dK += dS^T q.
          gemm<T, true>(cols, Evp, rows, p.data(), 1, cp, gi, Evp, dva.data() + j0 * Evp, Evp);
          gemm<T, true>(rows, Ep, cols, dp.data(), cp, 1, kp.data() + j0 * Ep, Ep, dqa.data() + i0 * Ep, Ep);
          gemm<T, true>(cols, Ep, rows, dp.data(), 1, cp, qi, Ep, dka.data() + j0 * Ep, Ep);
        }
      }
      pack_rows(dq + bh * L * E, E, dqa.data(), L, E, Ep, 1);
      pack_rows(dk + bh * S * E, E, dka.data(), S, E, Ep, 1);
      pack_rows(dv + bh * S * Ev, Ev, dva.data(), S, Ev, Evp, 1);
    }
  }
}

struct Dims {
  int64_t batch, L, S, E, Ev;
  Shape lead;
};

Dims dims_of(const AttentionArgs& a) {
  const Shape& qs = a.q.shape();
  const int64_t nd = a.q.dim();
  Dims d{1,
         qs[static_cast<size_t>(nd - 2)],
         a.k.shape()[static_cast<size_t>(nd - 2)],
         qs[static_cast<size_t>(nd - 1)],
         a.v.shape()[static_cast<size_t>(nd - 1)],
         Shape{}};
  for (int64_t i = 0; i < nd - 2; ++i) {
    d.lead.push_back(qs[static_cast<size_t>(i)]);
    d.batch *= qs[static_cast<size_t>(i)];
  }
  return d;
}

Shape with_tail(Shape s, int64_t rows, int64_t cols) {
  s.push_back(rows);
  s.push_back(cols);
  return s;
}

}  // namespace

AttentionForward attention_forward(const AttentionArgs& args) {
  const Dims d = dims_of(args);
  AttentionForward r;
  r.out = empty(with_tail(d.lead, d.L, d.Ev), args.q.dtype(), args.q.device());
  r.lse = empty(Shape{d.batch, d.L}, args.q.dtype(), args.q.device());
  if (d.batch == 0 || d.L == 0) return r;
  dispatch_floating(args.q.dtype(), "scaled_dot_product_attention", [&]<typename T>() {
    forward_typed<T>(args, d.batch, d.L, d.S, d.E, d.Ev, r.out.data_ptr<T>(), r.lse.data_ptr<T>());
  });
  return r;
}

AttentionGrads attention_backward(const AttentionArgs& args, const Tensor& out, const Tensor& lse,
                                  const Tensor& grad_out, bool need_mask_grad) {
  const Dims d = dims_of(args);
  const Dtype dt = args.q.dtype();
  const Device dev = args.q.device();
  AttentionGrads g;
  g.dq = empty(with_tail(d.lead, d.L, d.E), dt, dev);
  g.dk = empty(with_tail(d.lead, d.S, d.E), dt, dev);
  g.dv = empty(with_tail(d.lead, d.S, d.Ev), dt, dev);
  if (need_mask_grad) {
    // Entries of keys a causal block skips are never written: start from zeros.
    g.dmask = empty(with_tail(d.lead, d.L, d.S), dt, dev);
    fill(g.dmask, 0.0);
  }
  if (d.batch == 0) return g;
  const Tensor oc = out.is_contiguous() ? out : out.contiguous();
  dispatch_floating(dt, "scaled_dot_product_attention backward", [&]<typename T>() {
    backward_typed<T>(args, d.batch, d.L, d.S, d.E, d.Ev, oc.data_ptr<T>(), lse.data_ptr<T>(), grad_out,
                      g.dq.data_ptr<T>(), g.dk.data_ptr<T>(), g.dv.data_ptr<T>(),
                      need_mask_grad ? g.dmask.data_ptr<T>() : nullptr);
  });
  return g;
}

}  // namespace strata::kernels::cpu
